"""The `hf` reward backend on a tiny random DeBERTa-v2 classifier saved to disk and loaded by path, as the paper's
OpenAssistant model is by name: (question, answer) encoded as a text pair, the reward read as the single logit."""
import pytest
import torch
from transformers import DebertaV2Config, DebertaV2ForSequenceClassification, DebertaV2Tokenizer

from pfutils.reward.scorer import reward_model
from pfutils.reward.hf import HfRewardModel

WORDS = "what is the shape colour how many are there a it red blue circle square two three yes no . ? ,".split()
QUESTIONS = ["what is the shape?", "how many are there?", "what colour is it?", "is it red?", "what is it?"]
ANSWERS = ["it is a red circle.", "two", "blue, a blue square.", "yes", "a circle, a square, two red circles."]


def tiny_tokenizer() -> DebertaV2Tokenizer:
    special = [("[PAD]", 0.0), ("[CLS]", 0.0), ("[SEP]", 0.0), ("[UNK]", 0.0), ("[MASK]", 0.0)]
    return DebertaV2Tokenizer(vocab=special + [(f"▁{w}", -1.0) for w in WORDS] + [(w, -2.0) for w in ".?,"],
                              unk_id=3)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A random DeBERTa-v2 reward model (one output) shaped like OpenAssistant's, in a directory."""
    tokenizer = tiny_tokenizer()
    config = DebertaV2Config(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                             intermediate_size=64, max_position_embeddings=64, relative_attention=True,
                             pos_att_type=["p2c", "c2p"], position_biased_input=False, position_buckets=16,
                             type_vocab_size=0, num_labels=1, pad_token_id=0, initializer_range=0.5)
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("deberta_reward")
    DebertaV2ForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_pairs_are_encoded_as_question_answer_text_pairs(saved):
    scorer = reward_model("hf", saved, batch_size=2)
    batch = scorer.encode(["what is the shape?"], ["it is a red circle."])
    tokens = scorer.tokenizer.convert_ids_to_tokens(batch["input_ids"][0].tolist())
    assert tokens == ["[CLS]", "▁what", "▁is", "▁the", "▁shape", "?", "[SEP]",
                      "▁it", "▁is", "▁a", "▁red", "▁circle", ".", "[SEP]"]
    assert batch["token_type_ids"][0].tolist() == [0] * 7 + [1] * 7


def test_scores_are_the_model_cards_logits_0_in_input_order(saved):
    scorer = reward_model("hf", saved, batch_size=2)
    assert isinstance(scorer, HfRewardModel) and scorer.max_length == 64
    scores = scorer.score(QUESTIONS, ANSWERS)
    model, tokenizer = scorer.model, scorer.tokenizer
    with torch.no_grad():  # the model card's usage, one pair at a time
        expected = [model(**tokenizer(q, a, return_tensors="pt")).logits[0].item() for q, a in zip(QUESTIONS, ANSWERS)]
    assert scores == pytest.approx(expected, abs=1e-5)
    assert len(set(round(s, 4) for s in scores)) == len(scores)  # distinct pairs, distinct rewards
    assert scorer.score([], []) == []


def test_bad_inputs_and_models_fail_with_clear_errors(saved):
    scorer = reward_model("hf", saved)
    with pytest.raises(ValueError, match="2 instructions but 1 responses"):
        scorer.score(QUESTIONS[:2], ANSWERS[:1])
    with pytest.raises(TypeError, match=r"pair 1 is \(str, NoneType\)"):
        scorer.score(QUESTIONS[:2], [ANSWERS[0], None])
    with pytest.raises(ValueError, match=r"reward.backend must be one of \('hf', 'trained'\)"):
        reward_model("openassistant", saved)
    two_labels = DebertaV2ForSequenceClassification(DebertaV2Config(
        vocab_size=40, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        num_labels=2))
    with pytest.raises(ValueError, match="num_labels=2"):
        HfRewardModel(two_labels, scorer.tokenizer)
