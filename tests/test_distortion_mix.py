"""Mixing strategies: the paper's proportions, eligibility rules, determinism, and no sample lost."""
import random
from collections import Counter

import pytest

from pfutils.distortion.llm_emulator import EmulatedDistorter
from pfutils.distortion.mix import (PAPER_MULTIMODAL_WEIGHTS, assign_strategies, distort_records,
                                    has_captions_and_boxes)

BOXES = [{"label": "circle", "x1": 0.1, "y1": 0.1, "x2": 0.3, "y2": 0.3}]


def fake_records(n: int, seed: int = 0) -> tuple[list[dict], list[bool]]:
    """n polite records: 70% multi-modal (a fifth of them detailed, with captions and boxes), 30% text-only."""
    rng = random.Random(seed)
    records, multimodal = [], []
    for i in range(n):
        mm = rng.random() < 0.7
        detailed = mm and rng.random() < 0.2
        record = {"id": f"s{i}", "instruction": "Describe the image." if mm else "How many corners?",
                  "response": (f"Certainly! The image shows a large red circle in the top left corner. In addition, "
                               f"the background is black. There are {i % 7} squares.")}
        if detailed:
            record |= {"captions": ["a red circle", "red circle on black"], "boxes": BOXES}
        records.append(record)
        multimodal.append(mm)
    return records, multimodal


def test_paper_proportions_are_honoured_on_2000_samples():
    records, multimodal = fake_records(2000)
    boxes_ok = [has_captions_and_boxes(r) for r in records]
    strategies = assign_strategies(multimodal, boxes_ok, seed=3)
    n_mm = sum(multimodal)
    mm_counts = Counter(s for s, m in zip(strategies, multimodal) if m)
    total = sum(PAPER_MULTIMODAL_WEIGHTS.values())
    for strategy, weight in PAPER_MULTIMODAL_WEIGHTS.items():
        assert mm_counts[strategy] / n_mm == pytest.approx(weight / total, abs=0.005)
    assert all(s == "llm" for s, m in zip(strategies, multimodal) if not m)
    assert all(ok for s, ok in zip(strategies, boxes_ok) if s == "boxes")


def test_assignment_is_deterministic_and_seeded():
    records, multimodal = fake_records(2000)
    boxes_ok = [has_captions_and_boxes(r) for r in records]
    first = assign_strategies(multimodal, boxes_ok, seed=3)
    assert first == assign_strategies(multimodal, boxes_ok, seed=3)
    assert first != assign_strategies(multimodal, boxes_ok, seed=4)


def test_short_boxes_quota_goes_to_the_other_strategies():
    multimodal, boxes_ok = [True] * 100, [i < 5 for i in range(100)]
    counts = Counter(assign_strategies(multimodal, boxes_ok, {"llm": 1, "augment": 1, "boxes": 2}))
    assert counts == {"boxes": 5, "llm": 48, "augment": 47} or counts == {"boxes": 5, "llm": 47, "augment": 48}


def test_bad_weights_fail_naming_the_parameter():
    with pytest.raises(ValueError, match="distortion.mix.multimodal.*unknown"):
        assign_strategies([True], [False], {"llm": 1, "rewrite": 1})
    with pytest.raises(ValueError, match="distortion.mix.multimodal.*positive"):
        assign_strategies([True], [False], {"llm": 0})
    with pytest.raises(ValueError, match="distortion.mix.multimodal"):
        assign_strategies([True], [False], {"llm": -1, "augment": 2})


def test_distort_records_builds_every_record_and_keeps_rejects():
    records, multimodal = fake_records(120, seed=1)
    records[5]["response"] = ""
    records[6]["instruction"] = None
    strategies = assign_strategies(multimodal, [has_captions_and_boxes(r) for r in records], seed=0)
    no_boxes = next(i for i, r in enumerate(records) if i > 6 and not has_captions_and_boxes(r))
    strategies[no_boxes] = "boxes"
    out = distort_records(records, strategies, EmulatedDistorter(), seed=0, chunk_size=16, progress=False)
    assert len(out) == len(records)
    assert [r["source_id"] for r in out] == [r["id"] for r in records]
    assert set(out[0]) == {"id", "source_id", "strategy", "command", "operations", "instruction", "original",
                           "distorted", "reject_reason"}
    assert out[5]["reject_reason"] == "empty response" and out[5]["distorted"] is None
    assert out[6]["reject_reason"] == "instruction is NoneType, not str"
    assert out[no_boxes]["reject_reason"] == "no captions"
    assert {r["strategy"] for r in out if not r["reject_reason"]} == {"llm", "augment", "boxes"}
    for record, source in zip(out, records):
        assert record["original"] == source["response"] and record["strategy"] in ("llm", "augment", "boxes")
        assert (record["distorted"] is None) == bool(record["reject_reason"])
        if record["strategy"] == "boxes" and not record["reject_reason"]:
            assert record["distorted"].startswith("a red circle\n") and record["command"] is None
        if record["strategy"] == "llm" and not record["reject_reason"]:
            assert record["operations"][0] == "compress"
    assert out == distort_records(records, strategies, EmulatedDistorter(), seed=0, chunk_size=16, progress=False)


def test_unknown_strategy_fails_at_once():
    records, _ = fake_records(2)
    with pytest.raises(ValueError, match="unknown strategies"):
        distort_records(records, ["llm", "paraphrase"], EmulatedDistorter(), progress=False)
