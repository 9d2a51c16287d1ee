"""Stage 01's dataset: every polite sample ends up a distorted pair or a reject, images kept with their pair."""
import datasets

from pfutils.distortion.config import DistortionParams
from pfutils.distortion.dataset import distorted_split
from pfutils.distortion.distorter import llm_distorter
from pfutils.toyworld.scene import World
from pfutils.toyworld.sources import build_source

PARAMS = DistortionParams(sources=("llava_detail_like", "text_dialogue_like"),
                          multimodal_weights={"llm": 113, "augment": 77, "boxes": 14},
                          llm={"backend": "emulator", "model": "", "p_command": 0.5, "batch_size": 8,
                               "max_new_tokens": 64}, chunk_size=16)


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
