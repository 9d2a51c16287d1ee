"""The `hf` backend on a tiny random LlamaForCausalLM: prompts, left-padded batches, draft parsing and rejects.

Output quality is not tested (the model is random); a logits processor scripts what the model "writes" so the
parsing runs through the real generate path.
"""
import random

import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, LogitsProcessor, LogitsProcessorList, PreTrainedTokenizerFast

from pfutils.distortion.distorter import llm_distorter
from pfutils.distortion.llm_hf import HfDistorter, parse_draft
from pfutils.distortion.prompts import distortion_prompt

ORIGINAL = "Certainly! A large red circle sits in the top left corner, and a small blue square is at the center."


@pytest.fixture(scope="module")
def tokenizer():
    corpus = [distortion_prompt("Describe the image.", ORIGINAL, c) for c in [None, *range(1, 25)]]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=400, special_tokens=["<pad>", "</s>"],
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="</s>", pad_token="<pad>")


@pytest.fixture(scope="module")
def model(tokenizer):
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
    return LlamaForCausalLM(config)


class Scripted(LogitsProcessor):
    """Forces row r of every batch to write token ids scripts[r] (then EOS)."""

    def __init__(self, scripts: list[list[int]], eos: int):
        self.scripts, self.eos, self.start = scripts, eos, None

    def __call__(self, input_ids, scores):
        self.start = self.start or input_ids.shape[1]
        step = input_ids.shape[1] - self.start
        forced = torch.full_like(scores, float("-inf"))
        for row, script in enumerate(self.scripts):
            forced[row, script[step] if step < len(script) else self.eos] = 0.0
        return forced


def test_parse_draft_rules():
    assert parse_draft(' red circle, top left" and then more', False, ORIGINAL) == ("red circle, top left", "")
    assert parse_draft(" red circle\n### Human: more", False, ORIGINAL) == ("red circle", "")
    assert parse_draft(" red circle ", True, ORIGINAL) == ("red circle", "")
    assert parse_draft(" red circle and on and on", False, ORIGINAL) == (
        None, "runaway: no closing quote before max_new_tokens")
    assert parse_draft(' "', False, ORIGINAL) == (None, "empty output")
    assert parse_draft("", True, ORIGINAL) == (None, "empty output")
    text, reason = parse_draft(" " + ORIGINAL + ' and more"', False, ORIGINAL)
    assert text is None and reason.startswith("runaway: draft longer than the original")


def test_left_padded_batches_generate_what_single_prompts_do(model, tokenizer):
    distorter = HfDistorter(model, tokenizer, max_new_tokens=6)
    assert tokenizer.padding_side == "left"
    prompts = ["A red circle", distortion_prompt("Describe the image in detail.", ORIGINAL, 3), "blue square at the"]
    batched = distorter.generate(prompts, seed=0)
    single = [distorter.generate([p], seed=0)[0] for p in prompts]
    assert batched == single
    assert len({text for text, _ in batched}) > 1


def test_scripted_generations_are_parsed_and_rejected_with_reasons(model, tokenizer):
    writes = [' large red circle, top left" extra', " blue square", '"', " red red red red red red red red"]
    scripts = [tokenizer(w, add_special_tokens=False)["input_ids"] for w in writes]
    scripts[3] = scripts[3] * 3  # never ends: runs into max_new_tokens
    processor = Scripted(scripts, tokenizer.eos_token_id)
    distorter = HfDistorter(model, tokenizer, batch_size=4, max_new_tokens=20,
                            logits_processor=LogitsProcessorList([processor]))
    results = distorter.distort([("Describe the image.", ORIGINAL)] * 4, random.Random(0))
    assert [r.text for r in results] == ["large red circle, top left", "blue square", None, None]
    assert [r.reject_reason for r in results] == ["", "", "empty output",
                                                  "runaway: no closing quote before max_new_tokens"]
    assert all(r.operations == ("hf",) for r in results)


def test_batches_keep_order_and_bad_input_never_stops_them(model, tokenizer):
    distorter = HfDistorter(model, tokenizer, batch_size=2, max_new_tokens=4, max_prompt_tokens=700)
    pairs = [("Q", ORIGINAL), ("Q", ""), ("Q", None), ("Q", ORIGINAL * 20), ("Q", "A red circle."), ("Q", ORIGINAL)]
    rng = random.Random(5)
    results = distorter.distort(pairs, rng)
    reasons = [r.reject_reason for r in results]
    assert reasons[1] == "empty response" and reasons[2] == "response is NoneType, not str"
    assert reasons[3].startswith("prompt has") and "max_prompt_tokens=700" in reasons[3]
    assert all((r.text is None) == bool(r.reject_reason) for r in results)
    commands = [r.command for r in results]
    replay = HfDistorter(model, tokenizer, batch_size=2, max_new_tokens=4, max_prompt_tokens=700)
    assert [r.command for r in replay.distort(pairs, random.Random(5))] == commands


def test_hf_backend_loads_from_a_local_directory_by_parameter(model, tokenizer, tmp_path):
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    distorter = llm_distorter("hf", model=str(tmp_path), device="cpu", dtype="float32", batch_size=2,
                              max_new_tokens=3)
    assert isinstance(distorter, HfDistorter) and distorter.tokenizer.padding_side == "left"
    assert len(distorter.distort([("Q", ORIGINAL), ("Q", "A red circle.")], random.Random(0))) == 2


def test_prompts_beyond_the_models_context_are_rejected_by_default(model, tokenizer):
    distorter = HfDistorter(model, tokenizer, max_new_tokens=24)
    assert distorter.max_prompt_tokens == 1024 - 24
    result = distorter.distort([("Q", ORIGINAL * 40)], random.Random(0))[0]
    assert result.text is None and "over max_prompt_tokens=1000" in result.reject_reason
