"""The `tuning` section of params: Table 4's three stages, the recipe of every tuned model, the second generation.

Each recipe is one DVC stage (`tune@<name>`, then `evaluate@<name>`): adding a recipe here trains and evaluates
that model alone, and changing one reruns only it and what starts from it.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..config import Section
from ..training.config import TrainConfig

CLEVER_FLAMINGO = ("stage1", "stage2", "stage3")  # the U-shaped schedule; every other recipe is a comparison
STAGE_DATA = ("stage1", "stage2", "raw_annotation", "polite_only")  # the datasets stage 05 writes
# Folders of models/ that the pipeline's other stages own: a recipe may not be named after one.
RESERVED_NAMES = ("base", "polite_flamingo", "polite_flamingo_gen2", "reward")


class Stage(Section):
    train: TrainConfig
    max_images: int = Field(ge=0, le=64, description="images per training sequence, at most")


class Recipe(Section):
    """One tuned model: where it starts, what it trains on, with which stage's hyper-parameters, and the one
    thing a comparison or ablation changes."""

    start: str = Field(min_length=1, description="'base' (the untuned model) or the recipe whose model (of the "
                       "same training seed) this one continues")
    data: Literal["stage1", "stage2", "raw_annotation", "polite_only"] = Field(description="a dataset of stage 05")
    stage: Literal["stage1", "stage2", "stage3"] = Field(description="whose hyper-parameters (tuning.<stage>)")
    trainable: str | None = Field(default=None, description="replaces the stage's trainable set, e.g. "
                                  "perceiver_xattn+vit (Figure 9's 'unfreeze ViT')")
    epochs_factor: int | None = Field(default=None, ge=2, le=100, description="the stage's epochs times this "
                                      "(Figure 9's 'more epochs'); null: the stage's epochs")
    image_px: int | None = Field(default=None, ge=1, le=4096, description="the vision tower's input size in pixels "
                                 "from this model on (Figure 9's '224 resolution': 224 instead of 336); a multiple "
                                 "of its patch size; null: the start model's")


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
    recipes: dict[str, Recipe] = Field(description="every tuned model: Clever Flamingo's stage1-3, the comparison "
                                       "models and Figure 9's stage-2 ablations (one DVC stage each)")
    seeds: tuple[int, ...] = Field(min_length=1, max_length=64, description="training seeds: every model is "
                                   "trained once per seed (the claims' intervals cover training noise across them)")
    second_generation: SecondGeneration
    bench_steps: int = Field(ge=1, le=100_000, description="steps per side of stage 05's throughput benchmark")

    @field_validator("seeds")
    @classmethod
    def _distinct_seeds(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(v)) != len(v) or any(seed < 0 for seed in v):
            raise ValueError(f"must list distinct non-negative seeds; got {list(v)}")
        return v

    @model_validator(mode="after")
    def _recipes_form_a_tree_from_base(self) -> "TuningParams":
        missing = [name for name in CLEVER_FLAMINGO if name not in self.recipes]
        if missing:
            raise ValueError(f"recipes: Clever Flamingo's {missing} missing (the schedule is stage1 -> stage2 -> stage3)")
        for name, recipe in self.recipes.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name in RESERVED_NAMES:
                raise ValueError(f"recipes.{name}: a recipe is named in lower case letters, digits and _, and not "
                                 f"after a folder of models/ another stage writes ({', '.join(RESERVED_NAMES)})")
            if recipe.start != "base" and recipe.start not in self.recipes:
                raise ValueError(f"recipes.{name}.start: {recipe.start!r} is neither 'base' nor a recipe")
            seen, start = {name}, recipe.start
            while start != "base":
                if start in seen:
                    raise ValueError(f"recipes.{name}.start: the starts loop ({' -> '.join([*seen, start])})")
                seen.add(start)
                start = self.recipes[start].start
        return self
