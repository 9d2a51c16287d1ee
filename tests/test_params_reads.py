"""The record of the params keys a process reads (`pfutils.params_reads`), which the pipeline test compares with
what each stage declares in dvc.yaml."""
import os
import subprocess
import sys
from pathlib import Path

from pfutils.params_reads import LOG_ENV, read_keys, undeclared

ROOT = Path(__file__).resolve().parents[1]

READER = """
from pfutils.params import load_params
p = load_params("params.yaml")
p.tuning.stage2.train.lr                                       # a leaf
p.sources.sizes["coco_like"].train                             # through a dict of sections
p.tuning.recipes["stage3"]                                     # a section alone reads nothing
p.scoring.sts.model_dump(include={"model"})                    # a dump reads what it dumps
p.reward.pairs.model_dump(exclude={"styles", "per_chosen"})
p.tuning.stage3.train.model_copy(update={"epochs": 2}).lr      # a copy's reads are the original's
p.model.lora.r                                                 # the model's own config classes too
"""


def _record(tmp_path: Path, stage: str, code: str) -> dict[str, set[str]]:
    env = {**os.environ, LOG_ENV: str(tmp_path / "log"), "DVC_STAGE": stage}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return read_keys(tmp_path / "log")


def test_each_key_read_is_recorded_under_its_stage(tmp_path):
    reads = _record(tmp_path, "tune@stage3", READER)
    assert reads == {"tune@stage3": {
        "tuning.stage2.train.lr", "sources.sizes.coco_like.train", "scoring.sts.model",
        "reward.pairs.heldout_share", "reward.pairs.unseen_styles", "tuning.stage3.train.lr", "model.lora.r"}}


def test_processes_of_one_stage_add_up_and_stages_stay_apart(tmp_path):
    _record(tmp_path, "evaluate@stage1", "from pfutils.params import load_params; load_params().evaluation.vqa_judge")
    _record(tmp_path, "evaluate@stage1", "from pfutils.params import load_params; load_params().seed")
    reads = _record(tmp_path, "figures", "from pfutils.params import load_params; load_params().claims.margin")
    assert reads == {"evaluate@stage1": {"evaluation.vqa_judge", "seed"}, "figures": {"claims.margin"}}


def test_without_the_variable_nothing_is_recorded(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != LOG_ENV}
    code = "from pfutils.params import load_params; import pfutils.params_reads as r; load_params().seed; print(len(r._paths))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    assert done.stdout.strip() == "0"


def test_a_key_read_but_not_declared_is_caught():
    read = {"tuning.stage3.train.lr", "tuning.seeds", "compute.seed_jobs"}
    assert undeclared(read, {"tuning.stage3", "tuning.seeds", "compute"}) == set()
    assert undeclared(read, {"tuning.stage3", "compute"}) == {"tuning.seeds"}
    assert undeclared(read, {"tuning.stage", "tuning.seeds", "compute"}) == {"tuning.stage3.train.lr"}, \
        "a declared key covers the keys below it, not keys it is a prefix of by spelling"
    assert undeclared({"tuning"}, {"tuning.stage3"}) == {"tuning"}, "a whole section read needs it whole"


def test_what_preflight_reads_to_check_the_machine_is_not_recorded(tmp_path):
    """`require` looks at every stage's models and the hub settings to decide whether a stage may start; the
    stage's own reads are what it computes with."""
    code = ("from pfutils.params import load_params; from pfutils.preflight import require\n"
            "p = load_params(); require(p, 'evaluate'); p.evaluation.vqa_judge")
    assert _record(tmp_path, "evaluate@stage3", code) == {"evaluate@stage3": {"evaluation.vqa_judge"}}
