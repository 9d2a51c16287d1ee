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
from datasets.arrow_writer import ArrowWriter
from datasets.utils.py_utils import asdict


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


def _write_split(ds: datasets.Dataset, directory: Path) -> None:
    """`Dataset.save_to_disk`'s layout (one Arrow shard, state.json, dataset_info.json), except that an image stored
    as a path to a file keeps that path: save_to_disk would copy the file's bytes into every row that uses it."""
    directory.mkdir(parents=True, exist_ok=True)
    shard = "data-00000-of-00001.arrow"
    writer = ArrowWriter(features=ds.features, path=str(directory / shard), embed_local_files=False)
    try:
        for table in ds.with_format("arrow").iter(batch_size=1000):
            writer.write_table(table)
        writer.finalize()
    finally:
        writer.close()
    state = {"_data_files": [{"filename": shard}], "_fingerprint": ds._fingerprint, "_format_columns": None,
             "_format_kwargs": {}, "_format_type": None, "_output_all_columns": False,
             "_split": str(ds.split) if ds.split is not None else None}
    (directory / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True))
    info = asdict(ds.info)  # datasets' own: leaves out unset fields, as save_to_disk writes them
    (directory / "dataset_info.json").write_text(json.dumps({key: info[key] for key in sorted(info)}, indent=2))


def save_dataset(ds: datasets.Dataset | datasets.DatasetDict, path: str | Path) -> Path:
    """A dataset (or a dict of splits) as `load_from_disk` reads it, written beside `path` and moved into place.

    An image is stored once however many rows use it: one that is a file (real data's images, which stage 00
    checks decode) stays a reference to that file, read when a row is read; one made in memory (toyworld's) is
    stored as its encoded bytes.
    """
    path = Path(path)
    tmp = _temporary_sibling(path, is_dir=True)
    if isinstance(ds, datasets.DatasetDict):
        for split, split_ds in ds.items():
            _write_split(split_ds, tmp / split)
        (tmp / "dataset_dict.json").write_text(json.dumps({"splits": list(ds)}))
    else:
        _write_split(ds, tmp)
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
