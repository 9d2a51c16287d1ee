"""The whole chain through DVC on a fresh copy of the repository, with the `smoke` profile.

Shows what the README promises: `dvc repro` runs every stage; a second `dvc repro` is a no-op; a changed
parameter or line of code reruns exactly the stages that read it (one recipe's hyper-parameter retrains that model
alone, a new recipe trains only itself, a benchmark setting retrains nothing); `dvc metrics show` reads every
stage's metrics.
"""
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pfutils.papermini.checkout import fresh_checkout
from pfutils.params_reads import LOG_ENV, read_keys, undeclared
from pfutils.profiles import profile_params, write_yaml_atomic

pytestmark = pytest.mark.slow


def _completed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", **(env or {})}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = _completed(cmd, cwd, env)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout + done.stderr


def _ran(output: str) -> set[str]:
    return {line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage '")}


def _stages(clone: Path) -> set[str]:
    """Every stage dvc.yaml defines, the foreach ones expanded (tune@stage1, ...)."""
    return set(_run(["dvc", "stage", "list", "--name-only"], clone).split())


def _edit_params(clone: Path, edit) -> None:
    raw = yaml.safe_load((clone / "params.yaml").read_text())
    edit(raw)
    write_yaml_atomic(raw, clone / "params.yaml")


HELD_BACK = "more_epochs"  # a recipe the chain first runs without, then adds


def fresh_clone(root: Path, target: Path, edit_params) -> Path:
    """A fresh checkout of the working tree at `root` in `target`, its params.yaml passed through `edit_params`
    and committed."""
    fresh_checkout(root, target)
    edit_params(target)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--allow-empty", "-qam", "params"],
                   cwd=target, check=True)
    return target


@pytest.fixture(scope="module")
def clone(tmp_path_factory, request) -> Path:
    """A fresh clone of the working tree on the smoke profile, without recipe HELD_BACK."""
    def smoke(target: Path) -> None:
        params = profile_params("smoke", target / "params.yaml", target / "profiles")
        del params["tuning"]["recipes"][HELD_BACK]
        write_yaml_atomic(params, target / "params.yaml")
    return fresh_clone(Path(request.config.rootpath), tmp_path_factory.mktemp("clone"), smoke)


@pytest.fixture(scope="module")
def first_run(clone, tmp_path_factory) -> tuple[str, Path]:
    """The chain's first `dvc repro` (its output), with the params keys every stage read recorded in a directory
    (`pfutils.params_reads`)."""
    log = tmp_path_factory.mktemp("params_reads")
    return _run(["dvc", "repro"], clone, {LOG_ENV: str(log)}), log


def test_repro_then_noop_then_only_downstream(clone, first_run):
    stages = _stages(clone)
    assert {"tune@stage3", "evaluate@stage3", "second_generation", "evaluate_base"} <= stages
    first, _ = first_run
    assert _ran(first) == stages - {"base_models", "base_eval"}, \
        "every stage runs but the committed base models and their evaluation, which the smoke profile leaves as they are"
    for artifact in ("reports/claims.md", "reports/claims.json", "reports/findings.json", "reports/eval/stage3.csv",
                     "reports/notebooks/06_tuning/stage3.ipynb", "reports/notebooks/07_evaluation/base.ipynb",
                     "reports/figures/figure9_stages_and_ablations.png",
                     "reports/tables/table1_captioning_vqa.md", "data/pf1m_release/seed0/pf1m.json"):
        assert (clone / artifact).exists(), artifact
    again = _run(["dvc", "repro"], clone)
    assert _ran(again) == set(), f"second dvc repro was not a no-op:\n{again}"
    evaluations = {s for s in stages if s.startswith("evaluate")}

    def repro_after(edit) -> set[str]:
        _edit_params(clone, edit)
        return _ran(_run(["dvc", "repro"], clone)) - {"check_params"}  # the check reruns, its stamp unchanged

    assert repro_after(lambda p: p["evaluation"].update(samples_per_dataset=3)) == evaluations | {"figures"}
    assert repro_after(lambda p: p["tuning"]["stage3"]["train"].update(lr=2.0e-4)) == {
        "tune@stage3", "evaluate@stage3", "second_generation", "figures"}, "stage 3 and what reads it, alone"
    assert repro_after(lambda p: p["tuning"]["recipes"].update(
        {HELD_BACK: {"start": "stage1", "data": "stage2", "stage": "stage2", "epochs_factor": 2}})) == {
        f"tune@{HELD_BACK}", f"evaluate@{HELD_BACK}", "figures"}, "a new recipe trains and evaluates itself alone"
    assert repro_after(lambda p: p["tuning"].update(bench_steps=3)) == {"augmentation"}, \
        "the benchmark's setting reruns the benchmark; its unchanged stage datasets retrain nothing"
    metrics = _run(["dvc", "metrics", "show"], clone)
    for name in ("00_sources", "00b_base_models", "02_rewriter", "04_filtering", "06_tuning/stage3",
                 "06b_second_generation", "07_evaluation/base", "07_evaluation/stage3", "08_figures"):
        assert f"reports/metrics/{name}.json" in metrics


def _declared(clone: Path) -> dict[str, set[str]]:
    """The params keys each stage declares: its `params` (as dvc.lock resolves them) and the values its dvc.yaml
    entry interpolates (`${paths.data}`, `${base.notebook}`)."""
    lock = yaml.safe_load((clone / "dvc.lock").read_text())["stages"]
    definitions = yaml.safe_load((clone / "dvc.yaml").read_text())["stages"]
    declared = {}
    for stage, entry in lock.items():
        interpolated = re.findall(r"\$\{([^}]+)\}", yaml.safe_dump(definitions[stage.split("@")[0]]))
        declared[stage] = set(entry.get("params", {}).get("params.yaml", {})) | {
            name.strip() for name in interpolated if name.strip().split(".")[0] not in ("item", "key")}
    return declared


def test_every_stage_declares_the_params_keys_it_read(clone, first_run):
    """Each key a stage's processes read in the chain's first run (recorded by `load_params`) is one of the
    stage's declared params or lies below one, so changing it reruns the stage."""
    reads = read_keys(first_run[1])
    assert {"tune@stage3", "evaluate@stage3", "second_generation", "figures"} <= set(reads), \
        f"no record from some stages: {sorted(reads)}"
    declared = _declared(clone)
    missing = {stage: sorted(undeclared(keys, declared[stage])) for stage, keys in sorted(reads.items())}
    assert not any(missing.values()), "keys read by a stage that does not declare them in dvc.yaml:\n" + "\n".join(
        f"{stage}: {', '.join(keys)}" for stage, keys in missing.items() if keys)


def test_a_change_to_decoding_code_invalidates_every_evaluation(clone):
    """Generation code is read by every evaluation: editing it leaves them all out of date (`dvc status`)."""
    code = clone / "src" / "pfutils" / "model" / "generation.py"
    original = code.read_text()
    code.write_text(original + "\n# an edit\n")
    try:
        status = _run(["dvc", "status"], clone)
    finally:
        code.write_text(original)
    changed = {line.rstrip(":").strip() for line in status.splitlines() if line and not line.startswith((" ", "\t"))}
    assert {s for s in _stages(clone) if s.startswith("evaluate")} <= changed, status


def test_a_stage_runs_on_two_processes_as_on_one(clone, tmp_path, monkeypatch):
    """Stage 06's stage 2 on two processes (`compute.processes: 2`: torchrun, micro-batches dealt to the ranks,
    one all-reduce) ends with the weights the pipeline's one-process run saved. Runs on the chain's outputs."""
    import torch
    from safetensors.torch import load_file

    from pfutils.launch import run_module
    from pfutils.model.checkpoint import WEIGHTS_FILE

    models = tmp_path / "models"  # the two-process run writes here, leaving the chain's outputs as they are
    models.mkdir()
    (models / "base").symlink_to(clone / "models" / "base")
    (models / "stage1").symlink_to(clone / "models" / "stage1")
    raw = yaml.safe_load((clone / "params.yaml").read_text())
    raw["paths"]["models"] = str(models)
    raw["tuning"]["stage2"]["train"]["micro_batch_size"] = 4  # each rank gets one of every batch's two
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw))
    monkeypatch.chdir(clone)
    run_module("pfutils.tuning.run", str(tmp_path / "params.yaml"), 2, "--model", "stage2", "--seed", "0")

    def weights(path):
        return load_file(str(path / WEIGHTS_FILE))

    start, one, two = (weights(clone / "models" / "stage1" / "seed0"), weights(clone / "models" / "stage2" / "seed0"),
                       weights(models / "stage2" / "seed0"))
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
