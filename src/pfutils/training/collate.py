"""Batching examples for training: right padding, ignored labels on padding, images padded per sample."""
from __future__ import annotations

import torch

from ..model.images import images_tensor
from .examples import IGNORE


def collate(examples: list[dict], pad_id: int, transform, pad_to: int | None = None) -> dict[str, torch.Tensor]:
    """Right-padded to the longest example, or to `pad_to` (fixed shapes, e.g. for benchmarks)."""
    width = max([len(e["input_ids"]) for e in examples] + [pad_to or 0])
    input_ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    attention = torch.zeros((len(examples), width), dtype=torch.long)
    for row, e in enumerate(examples):
        n = len(e["input_ids"])
        input_ids[row, :n] = torch.tensor(e["input_ids"])
        labels[row, :n] = torch.tensor(e["labels"])
        attention[row, :n] = 1
    batch = {"input_ids": input_ids, "attention_mask": attention, "labels": labels}
    if any(e["images"] for e in examples):
        batch["images"], batch["image_mask"] = images_tensor([e["images"] for e in examples], transform)
    return batch
