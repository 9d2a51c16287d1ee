"""Running a stage's heavy step in this process or across processes, as params say.

Training and rewriting modules expose `main(argv)`; a notebook calls `run_module("pfutils.x", params_path,
processes)`. With one process it runs in the notebook's own process; with several it is started under
`torchrun` (DDP over GPUs, or gloo over CPU processes), whose ranks `accelerate` picks up. Independent jobs (one
per training seed) go through `run_side_by_side`, which on a CPU runs several of them at once.

A job never outlives the process that started it. If the notebook's kernel dies (`dvc repro` killed: papermill
goes with DVC, `pfutils.with_parent`, and the kernel exits when papermill goes), `torchrun` is killed by the
kernel's death, and every worker is killed when `torchrun` goes: each worker is started through this module
(`python -m pfutils.launch MODULE ...`), which asks Linux for a signal on its parent's death before it imports
the job. No orphan keeps writing outputs after the pipeline that wanted them is gone.
"""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import torch
from accelerate import PartialState

from pfutils.with_parent import die_with_parent


def run_module(module: str, params_path: str, processes: int, *args: str) -> None:
    argv = ["--params", params_path, *args]
    if processes == 1:
        importlib.import_module(module).main(argv)
        return
    torchrun = Path(sys.executable).parent / "torchrun"
    command = [str(torchrun), "--standalone", "--nproc_per_node", str(processes), "-m", "pfutils.launch", module,
               *argv]
    # CPU ranks share the cores: more OpenMP threads than cores makes every rank spin and crawl.
    threads = {} if torch.cuda.is_available() else {"OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // processes))}
    # Killed outright with its parent: on SIGTERM torchrun would stop its workers gracefully, and in that time they
    # could finish the job and write its outputs. Each worker is killed in turn when torchrun goes.
    subprocess.run(command, check=True, env={**os.environ, **threads}, preexec_fn=die_with_parent)


def run_side_by_side(params_path: str, compute, jobs: list[list[tuple[str, ...]]]) -> None:
    """Runs independent jobs, each a list of steps `(module, *args)` done in order (a training seed's schedule).

    With GPUs, several processes per job, or `compute.seed_jobs: 1`, the jobs run one after another, each step
    through `run_module`. On a CPU with one process per job, up to `compute.seed_jobs` jobs run at once, each in
    its own process on cores // seed_jobs threads: a small model keeps two cores busier as two one-thread
    processes than as one two-thread process, whose many small kernels leave a core idle between them. A job
    computes the same thing either way, up to float rounding with the thread count (set by the params, so the
    same on every run of a machine). The first step to fail stops every other job and raises.
    """
    at_once = min(compute.seed_jobs, len(jobs))
    if at_once == 1 or compute.processes > 1 or torch.cuda.is_available():
        for job in jobs:
            for module, *args in job:
                run_module(module, params_path, compute.processes, *args)
        return
    env = {**os.environ, "OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // compute.seed_jobs))}

    def start(module: str, *args: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "pfutils.launch", module, "--params", params_path, *args]
        return subprocess.Popen(command, env=env, preexec_fn=die_with_parent)

    waiting = [list(job) for job in jobs]
    running: list[tuple[subprocess.Popen, list[tuple[str, ...]]]] = []
    try:
        while waiting or running:
            while waiting and len(running) < at_once:
                job = waiting.pop(0)
                running.append((start(*job[0]), job[1:]))
            time.sleep(0.2)
            for entry in [e for e in running if e[0].poll() is not None]:
                process, rest = entry
                running.remove(entry)
                if process.returncode != 0:
                    raise subprocess.CalledProcessError(process.returncode, process.args)
                if rest:
                    running.append((start(*rest[0]), rest[1:]))
    finally:
        for process, _ in running:
            process.kill()
            process.wait()


def process_state():
    """This process's rank among the job's processes (`accelerate`'s PartialState). Without a GPU it must be
    asked for CPU processes explicitly, or every rank of a CPU job would believe it runs alone."""
    return PartialState(cpu=not torch.cuda.is_available())


if __name__ == "__main__":  # a worker of run_module: python -m pfutils.launch MODULE ARGS...
    die_with_parent()
    importlib.import_module(sys.argv[1]).main(sys.argv[2:])
