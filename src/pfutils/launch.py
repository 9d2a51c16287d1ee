"""Running a stage's heavy step in this process or across processes, as params say.

Training and rewriting modules expose `main(argv)`; a notebook calls `run_module("pfutils.x", params_path,
processes)`. With one process it runs in the notebook's own process; with several it is started under
`torchrun` (DDP over GPUs, or gloo over CPU processes), whose ranks `accelerate` picks up.
"""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import torch
from accelerate import PartialState


def run_module(module: str, params_path: str, processes: int, *args: str) -> None:
    argv = ["--params", params_path, *args]
    if processes == 1:
        importlib.import_module(module).main(argv)
        return
    torchrun = Path(sys.executable).parent / "torchrun"
    command = [str(torchrun), "--standalone", "--nproc_per_node", str(processes), "-m", module, *argv]
    # CPU ranks share the cores: more OpenMP threads than cores makes every rank spin and crawl.
    threads = {} if torch.cuda.is_available() else {"OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // processes))}
    subprocess.run(command, check=True, env={**os.environ, **threads})


def process_state():
    """This process's rank among the job's processes (`accelerate`'s PartialState). Without a GPU it must be
    asked for CPU processes explicitly, or every rank of a CPU job would believe it runs alone."""
    return PartialState(cpu=not torch.cuda.is_available())
