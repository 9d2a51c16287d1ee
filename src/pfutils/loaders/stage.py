"""Stage 00 on real data: the `sources.real` section of params fills toyworld's dataset slots with the paper's.

A slot (`coco_like`, `vqav2_like`, ...) is the name every later stage reads the dataset under; filling it with
real data (`coco`, `vqav2`, ...) leaves those stages unchanged. The rows keep their real origin in their `id`
(`coco/train/17`) and take the slot's name as `dataset`.

Before anything is loaded, every file and image root of every configured source is checked, so a run with data
missing stops at once with the whole list of what to download, never half-way through the stage.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import datasets

from ..schema import FEATURES, dataset_from_rows
from . import DOWNLOADS
from .config import SourceConfig, misplaced


def missing_downloads(real: dict[str, list[SourceConfig]]) -> list[str]:
    """One line per configured file or image root that does not exist, naming its params key and its loader."""
    lines = []
    for slot, configs in real.items():
        for i, config in enumerate(configs):
            paths = {f"files.{arg}": path for arg, path in config.files.items()}
            if config.image_root is not None:
                paths["image_root"] = config.image_root
            source = DOWNLOADS[config.loader]
            lines += [f"sources.real.{slot}[{i}].{key}: {path} not found (download {source.name} from {source.url})"
                      for key, path in paths.items() if not Path(path).exists()]
    return lines


def require_downloads(real: dict[str, list[SourceConfig]]) -> None:
    missing = missing_downloads(real)
    if missing:
        raise FileNotFoundError("stage 00 needs these real-data files (params: sources.real):\n  " + "\n  ".join(missing))


def build_real_source(slot: str, configs: list[SourceConfig]) -> tuple[datasets.DatasetDict, list[dict]]:
    """(the slot's DatasetDict by split, rejects) from its configured real sources, rows renamed to the slot."""
    by_split, rejects = defaultdict(list), []
    wrong = misplaced(slot, configs)
    if wrong:
        raise ValueError(f"sources.real: loader placed in the wrong slot: {wrong}")
    for config in configs:
        rows, bad = config.load()
        for row in rows:  # a row's own split: a train source may hold some out for val and test
            by_split[row["split"]].append({**row, "dataset": slot})
        rejects += [{**reject, "slot": slot} for reject in bad]
    return datasets.DatasetDict({split: dataset_from_rows(rows, FEATURES) for split, rows in by_split.items()
                                 if rows}), rejects
