"""Resumable, sharded work: each process rewrites every N-th item in chunks, each chunk written atomically.

A chunk file is the unit of progress: it exists completely or not at all, so a run killed at any moment and
started again skips the finished chunks and redoes only the interrupted one: no sample is lost or duplicated.
The work directory carries the job's fingerprint (`pfutils.resume`); another job's directory is discarded.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..storage import write_text


def chunk_path(work_dir: Path, rank: int, index: int) -> Path:
    return work_dir / f"rank-{rank:03d}" / f"chunk-{index:06d}.jsonl"


def my_chunks(n_items: int, chunk_size: int, rank: int, world: int) -> list[tuple[int, list[int]]]:
    """(chunk index, item indices) of this process: items rank, rank+world, ... cut into chunks."""
    mine = list(range(rank, n_items, world))
    return [(k, mine[i:i + chunk_size]) for k, i in enumerate(range(0, len(mine), chunk_size))]


def write_chunk(path: Path, rows: list[dict]) -> None:
    write_text("".join(json.dumps(r) + "\n" for r in rows), path)


def read_chunks(work_dir: Path) -> list[dict]:
    """Every finished row of every process, in item order."""
    rows = [json.loads(line) for path in sorted(work_dir.glob("rank-*/chunk-*.jsonl"))
            for line in path.read_text().splitlines()]
    return sorted(rows, key=lambda r: r["index"])
