"""The `tuning` section of params: Table 4's three stages, the comparison models, the second generation."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ..config import Section
from ..training.trainer import TrainConfig

Comparison = Literal["raw_annotation", "polite_only", "no_stage1", "unfreeze_lora", "unfreeze_vit", "more_epochs",
                     "low_resolution"]


class Stage(Section):
    train: TrainConfig
    max_images: int = Field(ge=0, le=64, description="images per training sequence, at most")


class SecondGeneration(Section):
    """Section 5.4: the rewriter retrained from Clever Flamingo, then used on these raw datasets (Table 3)."""
    datasets: tuple[str, ...] = Field(min_length=1)


class TuningParams(Section):
    polite_sources: tuple[str, ...] = Field(min_length=1, description="stage 1/3 data besides PF-1M")
    pf1m_share_stage1: float = Field(ge=0, le=1, description="share of PF-1M in stage 1 and 3 (paper: 0.1)")
    augment: bool = Field(description="multi-turn augmentation: pack sequences with random later turns")
    stage1: Stage
    stage2: Stage
    stage3: Stage
    comparisons: tuple[Comparison, ...] = Field(description="comparison models and stage-2 ablations to train")
    seeds: tuple[int, ...] = Field(min_length=1, max_length=64, description="training seeds: every model is "
                                   "trained once per seed (the claims' intervals cover training noise across them)")
    low_resolution_px: int = Field(ge=1, le=4096, description="low_resolution: the vision tower's input size in "
                                   "pixels (the paper: 224 instead of 336); a multiple of its patch size")
    second_generation: SecondGeneration
    bench_steps: int = Field(ge=1, le=100_000, description="steps per side of stage 05's throughput benchmark")

    @field_validator("seeds")
    @classmethod
    def _distinct_seeds(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(v)) != len(v) or any(seed < 0 for seed in v):
            raise ValueError(f"must list distinct non-negative seeds; got {list(v)}")
        return v
