"""A fresh checkout of a working tree, as a clone would hold it, for runs that must not touch the tree itself: the
paper-mini and smoke pipelines of the tests, the scale benchmark."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def fresh_checkout(root: Path, target: Path) -> Path:
    """The files git tracks at `root` and the new ones it does not ignore, as they are in the working tree, copied
    to `target` and committed there (nothing ignored comes along: no data/, no .venv)."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=root,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, files):
        if (root / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, target / name)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                ["git", "-c", "user.name=checkout", "-c", "user.email=checkout@localhost", "commit", "-qm", "checkout"]):
        subprocess.run(cmd, cwd=target, check=True)
    return target
