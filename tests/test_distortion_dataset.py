"""Stage 01's dataset: every polite sample ends up a distorted pair or a reject, images kept with their pair."""
import datasets
import pytest

from pfutils.distortion.config import DistortionParams
from pfutils.distortion.dataset import distorted_split
from pfutils.distortion.distorter import llm_distorter
from pfutils.toyworld.scene import World
from pfutils.toyworld.sources import build_source

PARAMS = DistortionParams(sources=("llava_detail_like", "text_dialogue_like"),
                          multimodal_weights={"llm": 113, "augment": 77, "boxes": 14},
                          llm={"backend": "emulator", "model": "", "p_command": 0.5, "batch_size": 8,
                               "max_new_tokens": 64}, chunk_size=16, processes=1)


def test_every_sample_is_a_pair_or_a_reject():
    polite = datasets.concatenate_datasets([build_source(n, {"train": 30}, 0, World())["train"] for n in PARAMS.sources])
    pairs, rejects = distorted_split(polite, PARAMS, llm_distorter("emulator", **PARAMS.llm.options()), seed=0)
    assert pairs.num_rows + len(rejects) == polite.num_rows
    assert set(pairs["strategy"]) == {"llm", "augment", "boxes"}
    text_only = [row for row in pairs if row["dataset"] == "text_dialogue_like"]
    assert text_only and all(r["strategy"] == "llm" and r["images"] == [] for r in text_only)
    with_images = [row for row in pairs if row["dataset"] == "llava_detail_like"]
    assert all(len(r["images"]) == 1 for r in with_images)
    assert all(r["distorted"] != r["original"] for r in pairs)
    again, _ = distorted_split(polite, PARAMS, llm_distorter("emulator", **PARAMS.llm.options()), seed=0)
    assert again["distorted"] == pairs["distorted"], "deterministic from the seed"


def test_an_unreadable_image_is_a_reject_with_its_reason_and_the_split_goes_on():
    polite = build_source("llava_detail_like", {"train": 12}, 0, World())["train"]
    stored = polite.cast_column("images", datasets.List(datasets.Image(decode=False)))

    def truncate_third(row, index):
        if index == 3:
            row["images"] = [{"bytes": image["bytes"][: len(image["bytes"]) // 2], "path": None}
                             for image in row["images"]]
        return row

    corrupt = stored.map(truncate_third, with_indices=True).cast_column("images", polite.features["images"])
    pairs, rejects = distorted_split(corrupt, PARAMS, llm_distorter("emulator", **PARAMS.llm.options()), seed=0)
    unreadable = [r for r in rejects if r["reason"].startswith("unreadable image")]
    assert [r["id"] for r in unreadable] == [polite[3]["id"]]
    assert polite[3]["id"] not in pairs["id"]
    assert pairs.num_rows + len(rejects) == polite.num_rows, "every other sample is still a pair or a reject"
    assert all(len(r["images"]) == 1 and r["images"][0].size for r in pairs), "kept images decode"


class Interrupted(Exception):
    pass


class CountingDistorter:
    """The emulator, counting its calls (one per LLM chunk) and failing at call `fail_at` like a killed run."""

    def __init__(self, fail_at: int | None = None):
        self.inner, self.calls, self.fail_at = llm_distorter("emulator", **PARAMS.llm.options()), 0, fail_at

    def distort(self, pairs, rng):
        self.calls += 1
        if self.calls == self.fail_at:
            raise Interrupted
        return self.inner.distort(pairs, rng)


def _text_source(n: int = 60) -> datasets.Dataset:
    return build_source("text_dialogue_like", {"train": n}, 0, World())["train"]


def test_a_killed_split_resumes_at_its_first_unfinished_chunk_with_the_same_drafts(tmp_path):
    polite, work = _text_source(), tmp_path / "distortion-train"
    clean, _ = distorted_split(polite, PARAMS, CountingDistorter(), seed=0)
    with pytest.raises(Interrupted):
        distorted_split(polite, PARAMS, CountingDistorter(fail_at=3), seed=0, work_dir=work)
    assert len(list(work.glob("chunk-*.json"))) == 2
    resumed = CountingDistorter()
    pairs, _ = distorted_split(polite, PARAMS, resumed, seed=0, work_dir=work)
    assert resumed.calls == -(-polite.num_rows // PARAMS.chunk_size) - 2, "finished chunks are not redone"
    assert pairs.to_list() == clean.to_list()
    assert not work.exists(), "the resume state is removed once the split is done"


def test_resume_state_of_other_input_is_discarded_not_reused(tmp_path, capsys):
    polite, work = _text_source(), tmp_path / "distortion-train"
    with pytest.raises(Interrupted):
        distorted_split(polite, PARAMS, CountingDistorter(fail_at=3), seed=0, work_dir=work)
    rows = polite.to_list()
    rows[0]["response"] = "A changed answer. It has two sentences."
    changed = datasets.Dataset.from_list(rows, features=polite.features)
    clean, _ = distorted_split(changed, PARAMS, CountingDistorter(), seed=0)
    pairs, _ = distorted_split(changed, PARAMS, CountingDistorter(), seed=0, work_dir=work)
    assert "discarding resume state of another job" in capsys.readouterr().err
    assert pairs.to_list() == clean.to_list()
