"""The whole chain through DVC on a fresh copy of the repository, with the `smoke` profile.

Shows what the README promises: `dvc repro` runs every stage; a second `dvc repro` is a no-op; a changed
parameter reruns only the stages downstream of it; `dvc metrics show` reads every stage's metrics.
"""
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pfutils.profiles import profile_params, write_yaml_atomic

pytestmark = pytest.mark.slow


def _completed(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)


def _run(cmd: list[str], cwd: Path) -> str:
    done = _completed(cmd, cwd)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout + done.stderr


def _ran(output: str) -> set[str]:
    return {line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage '")}


@pytest.fixture(scope="module")
def clone(tmp_path_factory, request) -> Path:
    """The working tree as a fresh clone would have it (tracked + new files, nothing ignored), smoke profile."""
    root = Path(request.config.rootpath)
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=root,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    target = tmp_path_factory.mktemp("clone")
    for name in filter(None, files):
        if (root / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, target / name)
    write_yaml_atomic(profile_params("smoke", target / "params.yaml", target / "profiles"), target / "params.yaml")
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "clone"]):
        subprocess.run(cmd, cwd=target, check=True)
    return target


def test_repro_then_noop_then_only_downstream(clone):
    stages = set(yaml.safe_load((clone / "dvc.yaml").read_text())["stages"])
    first = _run(["dvc", "repro"], clone)
    assert _ran(first) == stages - {"base_models"}, "every stage runs; the committed base models are reused"
    for artifact in ("reports/claims.md", "reports/claims.json", "reports/findings.json", "reports/eval/stage3.csv",
                     "reports/figures/figure9_stages_and_ablations.png",
                     "reports/tables/table1_captioning_vqa.md", "data/pf1m_release/pf1m.json"):
        assert (clone / artifact).exists(), artifact
    again = _run(["dvc", "repro"], clone)
    assert _ran(again) == set(), f"second dvc repro was not a no-op:\n{again}"
    params = clone / "params.yaml"
    params.write_text(params.read_text().replace("samples_per_dataset: 2", "samples_per_dataset: 3"))
    changed = _run(["dvc", "repro"], clone)
    assert _ran(changed) == {"check_params", "evaluation", "figures"}, \
        "the params check (its stamp unchanged), then only the stages downstream of the changed key rerun"
    metrics = _run(["dvc", "metrics", "show"], clone)
    for name in ("00_sources", "00b_base_models", "02_rewriter", "04_filtering", "07_evaluation", "08_figures"):
        assert f"reports/metrics/{name}.json" in metrics


def test_a_stage_runs_on_two_processes_as_on_one(clone, tmp_path, monkeypatch):
    """Stage 06's stage 2 on two processes (`compute.processes: 2`: torchrun, micro-batches dealt to the ranks,
    one all-reduce) ends with the weights the pipeline's one-process run saved. Runs on the chain's outputs."""
    import torch
    from safetensors.torch import load_file

    from pfutils.launch import run_module
    from pfutils.model.checkpoint import WEIGHTS_FILE

    models = tmp_path / "models"  # the two-process run writes here, leaving the chain's outputs as they are
    (models / "clever" / "seed0").mkdir(parents=True)
    (models / "base").symlink_to(clone / "models" / "base")
    (models / "clever" / "seed0" / "stage1").symlink_to(clone / "models" / "clever" / "seed0" / "stage1")
    raw = yaml.safe_load((clone / "params.yaml").read_text())
    raw["paths"]["models"] = str(models)
    raw["tuning"]["stage2"]["train"]["micro_batch_size"] = 4  # each rank gets one of every batch's two
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw))
    monkeypatch.chdir(clone)
    run_module("pfutils.tuning.run", str(tmp_path / "params.yaml"), 2, "--model", "stage2", "--seed", "0")

    def weights(path):
        return load_file(str(path / WEIGHTS_FILE))

    start, one, two = (weights(clone / "models" / "clever" / "seed0" / "stage1"),
                       weights(clone / "models" / "clever" / "seed0" / "stage2"), weights(models / "clever" / "seed0" / "stage2"))
    assert one.keys() == two.keys()
    trained = [name for name in one if name.startswith(("perceiver.", "gated_cross_attn_layers."))]
    assert any(not torch.equal(one[name], start[name]) for name in trained), "stage 2 trained something"
    # The same training up to float summation order (an all-reduce of two halves vs one sum), which Adam can
    # amplify on elements whose gradient is near zero: nearly every element agrees to float tolerance, and none
    # differs by a tenth of one step (lr).
    lr = raw["tuning"]["stage2"]["train"]["lr"]
    close = torch.cat([torch.isclose(two[n], one[n], rtol=1e-4, atol=1e-5).flatten() for n in trained])
    assert close.float().mean() >= 0.999, f"{(~close).sum()} of {close.numel()} elements differ"
    for name in trained:
        torch.testing.assert_close(two[name], one[name], rtol=0, atol=0.1 * lr)


def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_bad_value_fails_before_any_stage_deletes_its_outputs(clone):
    """A key `base_models` reads, given a string for an int: the params check fails naming the key, and the
    committed models/base (26 minutes to retrain) is byte-identical afterwards."""
    params = clone / "params.yaml"
    good, before = params.read_text(), _tree_digest(clone / "models" / "base")
    raw = yaml.safe_load(good)
    raw["base"]["clip"]["steps"] = "1200"
    params.write_text(yaml.safe_dump(raw))
    try:
        done = _completed(["dvc", "repro"], clone)
    finally:
        params.write_text(good)
    assert done.returncode != 0
    assert "base.clip.steps" in done.stdout + done.stderr
    assert _ran(done.stdout + done.stderr) == {"check_params"}, "no stage after the check ran"
    assert _tree_digest(clone / "models" / "base") == before
