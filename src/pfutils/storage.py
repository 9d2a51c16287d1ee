"""Atomic writes of the artifacts stages hand to each other: datasets, JSON, CSV and text files.

A stage killed mid-write must never leave a half-written artifact that looks complete to DVC or to the next
stage, so everything is written beside its target under a temporary name and moved into place with one rename.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import datasets


def _temporary_sibling(path: Path, is_dir: bool) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if is_dir:
        return Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    return Path(name)


def replace_dir(tmp: Path, path: Path) -> None:
    """Move a finished directory into place; an older version is removed only after the new one is complete."""
    if path.exists():
        old = _temporary_sibling(path, is_dir=True)
        os.rmdir(old)
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old)
    else:
        os.replace(tmp, path)


@contextmanager
def atomic_dir(path: str | Path):
    """Yields a temporary sibling directory to fill; it replaces `path` only if the block finishes."""
    path = Path(path)
    tmp = _temporary_sibling(path, is_dir=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    tmp.chmod(0o755)
    replace_dir(tmp, path)


def save_dataset(ds: datasets.Dataset | datasets.DatasetDict, path: str | Path) -> Path:
    path = Path(path)
    tmp = _temporary_sibling(path, is_dir=True)
    ds.save_to_disk(str(tmp))
    replace_dir(tmp, path)
    return path


@contextmanager
def atomic_file(path: str | Path):
    """Yields a temporary sibling file path to write; it replaces `path` only if the block finishes."""
    path = Path(path)
    tmp = _temporary_sibling(path, is_dir=False)
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def write_text(text: str, path: str | Path) -> Path:
    with atomic_file(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_parquet(frame, path: str | Path) -> Path:
    """A pandas DataFrame as a parquet file, moved into place when complete."""
    with atomic_file(path) as tmp:
        frame.to_parquet(tmp)
    return Path(path)


def write_json(data, path: str | Path) -> Path:
    return write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", path)


def read_json(path: str | Path):
    return json.loads(Path(path).read_text())
