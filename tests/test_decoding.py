"""The decoding section: presets fill the search knobs, keys override them, a knob generate() would ignore fails."""
import copy

import pytest
from pydantic import ValidationError

from pfutils.decoding import Decoding
from pfutils.params import ParamsError, validate
from pfutils.profiles import profile_params

RUNTIME = {"max_new_tokens": 8, "batch_size": 4, "cache": "dynamic", "compile": False}
AUTHORS = {"num_beams": 3, "do_sample": True, "temperature": 1.0, "top_k": 20, "top_p": 0.9,
           "no_repeat_ngram_size": 3, "length_penalty": 1.0}


def test_presets_give_generate_exactly_the_knobs_it_reads():
    greedy = Decoding(preset="greedy", **RUNTIME)
    assert greedy.generate_kwargs() == {"max_new_tokens": 8, "num_beams": 1, "do_sample": False,
                                        "no_repeat_ngram_size": 0}
    assert Decoding(preset="authors", **RUNTIME).generate_kwargs() == {"max_new_tokens": 8, **AUTHORS}


def test_keys_override_the_preset_and_its_unread_knobs_are_dropped():
    one_beam = Decoding(preset="authors", num_beams=1, **RUNTIME).search()
    assert one_beam == {k: v for k, v in AUTHORS.items() if k != "length_penalty"} | {"num_beams": 1}
    beams_only = Decoding(preset="authors", do_sample=False, top_p=None, **RUNTIME).search()
    assert beams_only == {"num_beams": 3, "do_sample": False, "no_repeat_ngram_size": 3, "length_penalty": 1.0}
    sampled = Decoding(preset="greedy", do_sample=True, temperature=0.7, top_k=0, top_p=0.95, **RUNTIME)
    assert sampled.search() == {"num_beams": 1, "do_sample": True, "no_repeat_ngram_size": 0, "temperature": 0.7,
                                "top_k": 0, "top_p": 0.95}
    assert Decoding.model_validate(sampled.model_dump()) == sampled, "a dumped section validates as itself"


@pytest.mark.parametrize("keys, message", [
    ({"preset": "greedy", "temperature": 0.7}, "temperature: only read with sampling (do_sample: true)"),
    ({"preset": "authors", "num_beams": 1, "length_penalty": 2.0},
     "length_penalty: only read with beam search (num_beams > 1)"),
    ({"preset": "greedy", "do_sample": True}, "temperature: sampling (do_sample: true) needs it, and preset greedy"),
    ({"preset": "greedy", "num_beams": 3}, "length_penalty: beam search (num_beams > 1) needs it"),
    ({"preset": "nucleus"}, "'greedy' or 'authors'"),
])
def test_a_wrong_combination_fails_naming_the_key(keys, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Decoding(**keys, **RUNTIME)


def test_compiled_decoding_needs_a_static_cache():
    compiled = Decoding(preset="greedy", **{**RUNTIME, "cache": "static", "compile": True}).generate_kwargs()
    assert compiled["cache_implementation"] == "static"
    assert compiled["compile_config"].fullgraph and compiled["compile_config"].dynamic is False
    with pytest.raises(ValidationError, match="compile: true needs cache: static"):
        Decoding(preset="greedy", **{**RUNTIME, "compile": True})


def test_the_paper_profile_rewrites_with_the_authors_decoding_and_evaluates_greedily(root):
    paper = profile_params("paper", root / "params.yaml", root / "profiles")
    params = validate(paper)
    rewriting = params.rewriting.decoding
    assert (rewriting.search(), rewriting.max_new_tokens) == (AUTHORS, 1024)
    assert params.rewriter.decoding.preset == params.evaluation.decoding.preset == "greedy"
    bad = copy.deepcopy(paper)
    bad["evaluation"]["decoding"]["top_k"] = 20
    with pytest.raises(ParamsError, match="evaluation.decoding: Value error, top_k: only read with sampling"):
        validate(bad)
