"""The paper profile's code path, end to end through DVC, on a CPU: `paper-mini` (profiles/paper-mini.yaml).

`python -m pfutils.papermini` writes toyworld in the paper's released data formats and tiny random models in the
released model formats; the profile is paper.yaml with only sizes, model locations and compute changed, so every
stage runs the paper's loaders, 00b_openflamingo, the `hf` distortion LLM, the `hf` reward model, the
cross-encoder NLI judge, sentence-transformers STS and the open_clip CLIPScore.
"""
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pfutils.profiles import profile_params
from test_pipeline import _ran, _run, _stages, fresh_clone

ROOT = Path(__file__).resolve().parents[1]


def test_paper_mini_changes_only_sizes_model_locations_and_compute():
    paper = profile_params("paper", ROOT / "params.yaml", ROOT / "profiles")
    mini = profile_params("paper-mini", ROOT / "params.yaml", ROOT / "profiles")
    assert set(mini["sources"]["real"]) == set(paper["sources"]["real"])
    for slot, sources in paper["sources"]["real"].items():
        assert [{k: v for k, v in s.items() if k not in ("limit", "holdout")} for s in sources] == \
               [{k: v for k, v in s.items() if k not in ("limit", "holdout")} for s in mini["sources"]["real"][slot]], \
            f"sources.real.{slot}: paper-mini reads other files than the paper"
    same = ["base.notebook", "model.behaviour", "distortion.llm.backend", "reward.backend", "scoring.clip.backend",
            "scoring.nli.backend", "rewriter.train.trainable", "tuning.stage1.train.trainable",
            "tuning.stage2.train.trainable", "rewriting.decoding.preset", "rewriting.decoding.cache",
            "evaluation.vqa_judge", "tuning.recipes", "rewriting.datasets", "evaluation.sets"]
    for key in same:
        paper_value, mini_value = paper, mini
        for part in key.split("."):
            paper_value, mini_value = paper_value[part], mini_value[part]
        if key == "tuning.recipes":  # the low-resolution ablation's size follows the tower's
            paper_value = {k: {f: x for f, x in v.items() if f != "image_px"} for k, v in paper_value.items()}
            mini_value = {k: {f: x for f, x in v.items() if f != "image_px"} for k, v in mini_value.items()}
        assert mini_value == paper_value, key


def test_a_profile_extends_another_and_the_nearest_wins(tmp_path):
    (tmp_path / "a.yaml").write_text("seed: 1\nclaims: {resamples: 300, margin: 0.1}\n")
    (tmp_path / "b.yaml").write_text("extends: a\nclaims: {resamples: 400}\n")
    params = profile_params("b", ROOT / "params.yaml", tmp_path)
    assert (params["seed"], params["claims"]["resamples"], params["claims"]["margin"]) == (1, 400, 0.1)
    assert "extends" not in params
    (tmp_path / "c.yaml").write_text("extends: nowhere\n")
    with pytest.raises(SystemExit, match="extends 'nowhere'"):
        profile_params("c", ROOT / "params.yaml", tmp_path)


@pytest.mark.slow
def test_paper_mini_runs_every_stage_through_dvc(tmp_path):
    repo = fresh_clone(ROOT, tmp_path / "repo", lambda target: None)
    _run([sys.executable, "-m", "pfutils.papermini"], repo)
    _run([sys.executable, "-m", "pfutils.profiles", "paper-mini"], repo)
    assert yaml.safe_load((repo / "params.yaml").read_text())["base"]["notebook"] == "00b_openflamingo"

    stages = _stages(repo)
    assert _ran(_run(["dvc", "repro"], repo)) == stages, "every stage runs, none skipped"
    assert "up to date" in _run(["dvc", "status"], repo)

    lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]
    assert stages <= set(lock)
    for stage, entry in lock.items():  # outs hold the executed notebook and the metrics of every stage
        outs = [o["path"] for o in entry.get("outs", [])]
        assert stage == "check_params" or any(p.startswith("reports/notebooks/") and p.endswith(".ipynb")
                                              for p in outs), stage
        assert all((repo / p).exists() for p in outs), stage
    metrics = _run(["dvc", "metrics", "show"], repo)
    for name in ("00_sources", "00b_base_models", "01_distortion", "02_rewriter", "04_filtering", "08_figures"):
        assert f"reports/metrics/{name}" in metrics

    rejects = pd.read_csv(repo / "reports" / "tables" / "00_rejects.csv")
    reasons = " ".join(rejects.reason)
    assert "truncated" in reasons.lower() or "decode" in reasons.lower(), "a truncated image is a reject"
    assert "missing" in reasons.lower() or "no such" in reasons.lower() or "not found" in reasons.lower()
    sources = pd.read_csv(repo / "reports" / "tables" / "00_sources.csv").set_index("dataset")
    assert sources.loc["coco_like", "train"] > 0 and sources.loc["cc3m_like"][["train", "val", "test"]].sum() == 0


def test_the_lock_holds_exactly_the_stages_of_dvc_yaml():
    """A stage removed from dvc.yaml leaves its entry in dvc.lock until someone deletes it: stale, misleading."""
    lock = yaml.safe_load((ROOT / "dvc.lock").read_text())["stages"]
    assert set(lock) == _stages(ROOT)
