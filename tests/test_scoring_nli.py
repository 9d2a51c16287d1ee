"""NLI: the paper's pair template and label order, the exact toyworld stand-in, and the cross-encoder path on a
tiny random DeBERTa-v2 built here (no downloads)."""
import pytest
import torch
from transformers import DebertaV2Config, DebertaV2ForSequenceClassification

from pfutils.pretrain.tokenizer import train_tokenizer
from pfutils.scoring.nli import LABELS, CrossEncoderNli, NliItem, nli_backend, nli_pair

QUESTION = "How many circles are there?"


def test_pair_template_is_the_papers():
    premise, hypothesis = nli_pair(QUESTION, "There are two circles.", "2")
    assert premise == '"There are two circles." is the answer to the question: "How many circles are there?"'
    assert hypothesis == '"2" is the answer to the question: "How many circles are there?"'


def test_label_order_is_the_cross_encoders():
    assert LABELS == ("contradiction", "entailment", "neutral")


def test_exact_backend_judges_against_the_gold_answer():
    items = [NliItem(QUESTION, "I can see two circles in the image.", "two", "two", "number"),
             NliItem(QUESTION, "There are three circles.", "two", "two", "number"),
             NliItem(QUESTION, "The circles look lovely.", "two", "two", "number")]
    results = nli_backend("exact").judge(items)
    assert [r.label for r in results] == ["entailment", "contradiction", "neutral"]
    assert all(r.logits is None for r in results)


def test_unknown_backend_names_the_choices():
    with pytest.raises(ValueError, match="cross_encoder"):
        nli_backend("gpt4")


@pytest.fixture(scope="module")
def tokenizer():
    texts = [p for q in ("two", "three circles", "a red one") for p in nli_pair(QUESTION, q, "two")]
    return train_tokenizer(texts, vocab_size=300, model_max_length=128)


def save_cross_encoder(path, tokenizer, bias=None, id2label=None):
    torch.manual_seed(0)
    config = DebertaV2Config(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                             intermediate_size=32, max_position_embeddings=128, num_labels=3,
                             pad_token_id=tokenizer.pad_token_id, id2label=id2label)
    model = DebertaV2ForSequenceClassification(config).eval()
    if bias is not None:
        with torch.no_grad():
            model.classifier.weight.zero_()
            model.classifier.bias.copy_(torch.tensor(bias))
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return model


def test_cross_encoder_scores_the_pair_with_the_models_logits(tmp_path, tokenizer):
    model = save_cross_encoder(tmp_path, tokenizer)
    items = [NliItem(QUESTION, "There are two circles.", "two"), NliItem(QUESTION, "three", "two")]
    results = CrossEncoderNli(str(tmp_path), device="cpu", batch_size=1).judge(items)
    pairs = [nli_pair(i.question, i.candidate, i.reference) for i in items]
    for (premise, hypothesis), result in zip(pairs, results):
        with torch.no_grad():
            expected = model(**tokenizer(premise, hypothesis, return_tensors="pt")).logits[0]
        assert result.logits == pytest.approx(expected.tolist(), abs=1e-5)
        assert result.label == LABELS[int(expected.argmax())]


@pytest.mark.parametrize("winner", range(3))
def test_cross_encoder_maps_logit_positions_to_labels(tmp_path, tokenizer, winner):
    bias = [0.0, 0.0, 0.0]
    bias[winner] = 5.0
    save_cross_encoder(tmp_path, tokenizer, bias=bias)
    [result] = nli_backend("cross_encoder", str(tmp_path), device="cpu").judge([NliItem(QUESTION, "two", "two")])
    assert result.label == LABELS[winner]
    assert result.logits == pytest.approx(bias)


def test_cross_encoder_refuses_a_different_label_order(tmp_path, tokenizer):
    save_cross_encoder(tmp_path, tokenizer, id2label={0: "entailment", 1: "neutral", 2: "contradiction"})
    with pytest.raises(ValueError, match="orders its labels"):
        CrossEncoderNli(str(tmp_path), device="cpu")
