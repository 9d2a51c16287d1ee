"""Running a stage's heavy step in this process or across processes, as params say.

Training and rewriting modules expose `main(argv)`; a notebook calls `run_module("pfutils.x", params_path,
processes)`. With one process it runs in the notebook's own process; with several it is started under
`torchrun` (DDP over GPUs, or gloo over CPU processes), whose ranks `accelerate` picks up.

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


def process_state():
    """This process's rank among the job's processes (`accelerate`'s PartialState). Without a GPU it must be
    asked for CPU processes explicitly, or every rank of a CPU job would believe it runs alone."""
    return PartialState(cpu=not torch.cuda.is_available())


if __name__ == "__main__":  # a worker of run_module: python -m pfutils.launch MODULE ARGS...
    die_with_parent()
    importlib.import_module(sys.argv[1]).main(sys.argv[2:])
