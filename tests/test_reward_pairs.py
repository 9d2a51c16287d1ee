"""Preference pairs from toyworld's polite records: raw-style rejected variants, deterministic, split by prompt."""
import typing

import pytest
from pydantic import ValidationError

from pfutils.reward.config import RewardPairs, RewardParams
from pfutils.reward.pairs import STYLES, preference_pairs, split_by_prompt
from pfutils.reward.config import Style
from pfutils.toyworld.sources import World, build_source


@pytest.fixture(scope="module")
def records():
    world = World()
    return [record for name in ("llava_conv_like", "llava_detail_like")
            for record in build_source(name, {"val": 20}, 0, world)["val"].remove_columns(["images"])]


def test_pairs_prefer_the_polite_response_over_raw_styles(records):
    pairs = preference_pairs(records, seed=0, per_chosen=3)
    by_id = {r["id"]: r for r in records}
    assert {p.style for p in pairs} == set(STYLES)
    for pair in pairs:
        record = by_id[pair.record_id]
        assert (pair.instruction, pair.chosen) == (record["instruction"], record["response"])
        assert pair.rejected and pair.rejected != pair.chosen
        if pair.style == "answer":
            assert pair.rejected == record["answer"]
        if pair.style == "caption":
            assert pair.rejected in record["captions"]
        if pair.style == "lowercase":
            assert pair.rejected == record["response"].lower()
    for record_id in by_id:
        styles = [p.style for p in pairs if p.record_id == record_id]
        assert len(styles) == 3 and len(set(styles)) == 3  # several rejected per chosen, distinct styles
    assert not any(p.style == "caption" for p in pairs if by_id[p.record_id]["dataset"] == "llava_conv_like")


def test_pairs_are_deterministic_and_depend_on_the_seed(records):
    assert preference_pairs(records, 0) == preference_pairs(records, 0)
    assert preference_pairs(records, 0) != preference_pairs(records, 1)
    # a record's pairs do not depend on the other records
    assert preference_pairs(records[3:4], 0) == [p for p in preference_pairs(records, 0)
                                                  if p.record_id == records[3]["id"]]
    only = preference_pairs(records, 0, per_chosen=1, styles=("lowercase", "answer"))
    assert len(only) == len(records) and {p.style for p in only} <= {"lowercase", "answer"}


def test_split_by_prompt_keeps_every_instruction_on_one_side(records):
    pairs = preference_pairs(records, 0, styles=("emulator", "lowercase", "no_punctuation", "answer"))
    train, heldout = split_by_prompt(pairs, 0.25, seed=0)
    assert len(train) + len(heldout) == len(pairs) and train and heldout
    assert not {p.instruction for p in train} & {p.instruction for p in heldout}
    prompts = {p.instruction for p in pairs}
    assert len({p.instruction for p in heldout}) == round(0.25 * len(prompts))
    assert split_by_prompt(pairs, 0.25, seed=0) == (train, heldout)
    assert split_by_prompt(pairs, 0.25, seed=1) != (train, heldout)


def test_bad_inputs_fail_naming_the_problem(records):
    with pytest.raises(ValueError, match="unknown or none.*'polite'"):
        preference_pairs(records, 0, styles=("polite",))
    with pytest.raises(KeyError, match="'id'"):
        preference_pairs([{"instruction": "q", "response": "Sure."}], 0)
    assert preference_pairs([{"id": "x", "instruction": "q", "response": "  "}], 0) == []
    pairs = preference_pairs(records[:1], 0)
    with pytest.raises(ValueError, match="two distinct instructions"):
        split_by_prompt(pairs, 0.5, 0)


def test_config_lists_the_same_styles_and_rejects_bad_values():
    assert set(typing.get_args(Style)) == set(STYLES)
    assert RewardPairs().styles == STYLES
    with pytest.raises(ValidationError, match="distinct styles"):
        RewardPairs(styles=("answer", "answer"))
    with pytest.raises(ValidationError, match="per_chosen"):
        RewardPairs(per_chosen=0)
    with pytest.raises(ValidationError, match="Extra inputs"):
        RewardParams(backend="trained", model="models/reward", steps=3)
    with pytest.raises(ValidationError, match="backend"):
        RewardParams(backend="deberta", model="x")
