"""`run_side_by_side`: a stage's independent jobs (one per training seed), several at once on a CPU.

The jobs here are a small module written to a temporary folder: each step logs when it starts and ends, in which
process and on how many threads, sleeps, and fails when told to.
"""
import json
import os
import subprocess
import time

import pytest

from pfutils.launch import run_side_by_side
from pfutils.params import Compute

STEP = '''
import json, os, sys, time
from pathlib import Path


def main(argv):
    log, name = Path(argv[argv.index("--log") + 1]), argv[argv.index("--name") + 1]
    entry = {"name": name, "pid": os.getpid(), "threads": os.environ.get("OMP_NUM_THREADS"), "start": time.time()}
    if "--fail" in argv:
        raise SystemExit(3)
    time.sleep(float(argv[argv.index("--sleep") + 1]))
    entry["end"] = time.time()
    with open(log, "a") as out:
        out.write(json.dumps(entry) + "\\n")
'''


@pytest.fixture
def step_module(tmp_path, monkeypatch):
    (tmp_path / "sidejob.py").write_text(STEP)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    return tmp_path / "log.jsonl"


def compute(seed_jobs: int) -> Compute:
    return Compute(processes=1, compile_training=False, shard_frozen_weights=False, seed_jobs=seed_jobs)


def logged(log) -> dict[str, dict]:
    return {e["name"]: e for e in map(json.loads, log.read_text().splitlines())}


def jobs(log, seeds, sleep=1.0) -> list[list[tuple[str, ...]]]:
    return [[("sidejob", "--log", str(log), "--name", f"{seed}-{step}", "--sleep", str(sleep)) for step in ("a", "b")]
            for seed in seeds]


def overlap(a: dict, b: dict) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def test_jobs_run_at_once_in_their_own_processes_each_step_in_order(step_module):
    run_side_by_side("params.yaml", compute(2), jobs(step_module, [0, 1, 2]))
    steps = logged(step_module)
    assert sorted(steps) == ["0-a", "0-b", "1-a", "1-b", "2-a", "2-b"]
    assert {e["pid"] for e in steps.values()}.isdisjoint({os.getpid()}) and len({e["pid"] for e in steps.values()}) == 6
    assert all(steps[f"{s}-a"]["end"] <= steps[f"{s}-b"]["start"] for s in range(3)), "a job's steps run in order"
    assert overlap(steps["0-a"], steps["1-a"]), "two jobs run at once"
    entries = list(steps.values())
    most = max(sum(overlap(e, other) for other in entries) for e in entries)  # itself included
    assert most <= 2, "never more jobs at once than compute.seed_jobs"
    assert {e["threads"] for e in entries} == {str(max(1, (os.cpu_count() or 1) // 2))}


def test_one_job_at_a_time_runs_in_this_process(step_module):
    run_side_by_side("params.yaml", compute(1), jobs(step_module, [0, 1], sleep=0.0))
    steps = logged(step_module)
    assert [e["pid"] for e in steps.values()] == [os.getpid()] * 4
    assert list(steps) == ["0-a", "0-b", "1-a", "1-b"]


def test_a_failed_step_stops_the_other_jobs_and_raises(step_module):
    failing = jobs(step_module, [0, 1], sleep=20.0)
    failing[1] = [("sidejob", "--log", str(step_module), "--name", "1-a", "--fail")]
    started = time.time()
    with pytest.raises(subprocess.CalledProcessError):
        run_side_by_side("params.yaml", compute(2), failing)
    assert time.time() - started < 15, "the job still running was killed, not waited for"
    time.sleep(0.5)
    assert not step_module.exists(), "no step of the stopped job finished"
