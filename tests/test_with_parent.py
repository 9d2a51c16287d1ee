"""`python -m pfutils.with_parent`, how every dvc.yaml stage runs its command: the stage dies with the process
that started it (DVC), even when that one is killed with SIGKILL and can pass nothing on."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_every_stage_command_runs_under_with_parent():
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    assert {name for name, stage in stages.items()
            if not stage.get("do", stage)["cmd"].startswith("python -m pfutils.with_parent ")} == set()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's")
def test_a_command_dies_with_its_killed_parent_and_writes_nothing_after(tmp_path):
    marker = tmp_path / "late"
    command = [sys.executable, "-m", "pfutils.with_parent", sys.executable, "-c",
               "import pathlib, sys, time; time.sleep(4); pathlib.Path(sys.argv[1]).write_text('late')", str(marker)]
    starter = ("import subprocess, sys, time; child = subprocess.Popen(sys.argv[1:]); print(child.pid, flush=True); "
               "child.wait()")
    parent = subprocess.Popen([sys.executable, "-c", starter, *command], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    time.sleep(1)  # the child has exec'd into the sleeping program
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 10
    while _alive(child) and time.time() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the command outlived the process that started it"
    time.sleep(4)
    assert not marker.exists()


def test_without_a_program_it_says_how_to_call_it():
    done = subprocess.run([sys.executable, "-m", "pfutils.with_parent"], capture_output=True, text=True)
    assert done.returncode != 0 and "usage: python -m pfutils.with_parent PROGRAM" in done.stderr


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
