"""The hyper-parameters of a training run, apart from the loop (`trainer.py`) so the params schema loads
without torch."""
from __future__ import annotations

from pydantic import Field

from ..config import Section


class TrainConfig(Section):
    """Hyper-parameters of one training run (Table 4 of the paper in the paper profile)."""

    trainable: str = Field(description="named trainable set, e.g. lora, perceiver_xattn, perceiver_xattn+vit")
    epochs: int = Field(ge=1, le=1000)
    lr: float = Field(gt=0, le=1.0)
    batch_size: int = Field(ge=1, le=1_000_000, description="examples per optimizer step (all processes)")
    micro_batch_size: int = Field(ge=1, le=4096, description="examples per forward pass on one process")
    context_length: int = Field(ge=8, le=1_000_000, description="longest example in tokens; longer ones are rejected")
    warmup_ratio: float = Field(ge=0, le=1)
    weight_decay: float = Field(ge=0, le=10)
    max_grad_norm: float = Field(gt=0, le=1e6)
    save_every: int = Field(ge=1, le=1_000_000, description="optimizer steps between resumable checkpoints")
    group_by_length: bool = Field(False, description="sort each global batch by length before splitting it into "
                                                     "micro-batches: the same examples per step, less padding")
