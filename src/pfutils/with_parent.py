"""`python -m pfutils.with_parent PROGRAM ARGS...`: run PROGRAM in this process's place, set to receive SIGTERM
when the process that started it dies.

Every dvc.yaml stage runs its command this way, so a killed `dvc repro` (even `kill -9`, which DVC cannot pass
on) takes its stage with it: papermill goes, the notebook's kernel exits when papermill is gone, and the jobs it
started under torchrun follow (`pfutils.launch`). Nothing keeps writing a stage's outputs after DVC is gone.
Linux only (elsewhere PROGRAM simply runs); imports nothing heavy, so a stage starts no slower.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Loaded here, not between fork and exec, where the child of a threaded process must not take the loader's lock.
LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send this process `sig` when its parent dies (a no-op elsewhere); the request survives
    `exec`. If the parent went while asking, exit at once."""
    if LIBC is None:
        return
    parent = os.getppid()
    if LIBC.prctl(PR_SET_PDEATHSIG, sig) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        sys.exit("the process that started this one is gone")


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit("usage: python -m pfutils.with_parent PROGRAM [ARGS...]")
    die_with_parent(signal.SIGTERM)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
