"""Resume state that is never stale: a long job's progress is kept under a fingerprint of everything its result
depends on.

Rewriting keeps finished chunks, training keeps checkpoints. Both are resumed only by the same job: the same
content of the input data (image bytes included, not just row ids), the same start weights (every tensor of the
loaded model), the same params of the stage, and the same process count where that changes how the work is
dealt out. A work folder of any other job is discarded with a line saying so, never reused and never an error;
a job removes its folder once it has succeeded.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Iterable

import datasets
import pyarrow as pa
import torch

from .storage import write_json

FINGERPRINT_FILE = "fingerprint.json"


class Fingerprint:
    """A sha256 over the parts of a job that determine its result, added one by one."""

    def __init__(self):
        self._digest = hashlib.sha256()

    def settings(self, value) -> Fingerprint:
        """Params, seeds, counts: anything JSON can write (keys sorted, so dict order does not matter)."""
        self._digest.update(json.dumps(value, sort_keys=True, default=str).encode())
        return self

    def dataset(self, ds: datasets.Dataset, batch_size: int = 1000) -> Fingerprint:
        """Every value of every row as stored (an image's bytes, or its file's path), read in Arrow batches."""
        for table in ds.with_format("arrow").iter(batch_size=batch_size):
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            self._digest.update(sink.getvalue())
        return self

    def tensors(self, named: Iterable[tuple[str, torch.Tensor]]) -> Fingerprint:
        """Names, dtypes, shapes and bytes of tensors, e.g. a model's state dict: its start weights."""
        for name, tensor in sorted(named, key=lambda item: item[0]):
            self.settings([name, str(tensor.dtype), list(tensor.shape)])
            self._digest.update(tensor.detach().reshape(-1).cpu().contiguous().view(torch.uint8).numpy().tobytes())
        return self

    def images(self, images: Iterable) -> Fingerprint:
        """Images: a decoded (PIL) one by its mode, size and pixels; a stored one by its path and bytes."""
        for image in images:
            if isinstance(image, dict):
                self.settings(image.get("path"))
                self._digest.update(image.get("bytes") or b"")
                continue
            self.settings([image.mode, list(image.size)])
            self._digest.update(image.tobytes())
        return self

    def files(self, paths: Iterable[Path]) -> Fingerprint:
        """Files' names and contents, read in blocks."""
        for path in sorted(paths):
            self.settings(path.name)
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 24), b""):
                    self._digest.update(block)
        return self

    def hexdigest(self) -> str:
        return self._digest.hexdigest()[:16]


def same_job(work_dir: Path, fingerprint: str, remove_other: bool = True) -> bool:
    """Whether `work_dir` holds the resume state of the job `fingerprint`. A folder of another job (or one without
    a fingerprint) is removed, saying so, when `remove_other` (one process of a job removes; the others only ask)."""
    if not work_dir.exists():
        return False
    try:
        saved = json.loads((work_dir / FINGERPRINT_FILE).read_text())["fingerprint"]
    except FileNotFoundError:  # no marker, or another process of the job is removing the folder
        saved = None
    if saved == fingerprint:
        return True
    if remove_other:
        print(f"{work_dir}: discarding resume state of another job (its fingerprint {saved}, this job's "
              f"{fingerprint}: data, start model, params or process count changed)", file=sys.stderr, flush=True)
        shutil.rmtree(work_dir)
    return False


def mark_job(work_dir: Path, fingerprint: str) -> None:
    """Records whose state `work_dir` holds."""
    write_json({"fingerprint": fingerprint}, work_dir / FINGERPRINT_FILE)


def prepare_work_dir(work_dir: Path, fingerprint: str) -> None:
    """Keeps `work_dir` if it belongs to the job `fingerprint`, else starts it afresh, marked as that job's."""
    if not same_job(work_dir, fingerprint):
        work_dir.mkdir(parents=True)
        mark_job(work_dir, fingerprint)
