"""What each tuned model is: where it starts, what it trains on, with which stage's hyper-parameters.

Clever Flamingo is stage 1 -> stage 2 -> stage 3 (the U: LoRA on polite data, then perceiver + XATTN on all of
PF-1M with a shorter context, then LoRA again at a tenth of the learning rate). The comparison models and
Figure 9's stage-2 ablations change one thing each.
"""
from __future__ import annotations

from dataclasses import dataclass

from .config import TuningParams


@dataclass(frozen=True)
class Recipe:
    start: str         # "base" or the name of another tuned model
    data: str          # a stage dataset of stage 05
    stage: str         # whose hyper-parameters: stage1, stage2 or stage3
    trainable: str | None = None  # replaces the stage's trainable set
    epochs_factor: int = 1
    low_resolution: bool = False  # the start model's vision tower built at tuning.low_resolution_px


RECIPES = {
    "stage1": Recipe("base", "stage1", "stage1"),
    "stage2": Recipe("stage1", "stage2", "stage2"),
    "stage3": Recipe("stage2", "stage1", "stage3"),
    "raw_annotation": Recipe("stage1", "raw_annotation", "stage2"),
    "polite_only": Recipe("base", "polite_only", "stage1"),
    "no_stage1": Recipe("base", "stage2", "stage2"),
    "unfreeze_lora": Recipe("stage1", "stage2", "stage2", trainable="perceiver_xattn+lora"),
    "unfreeze_vit": Recipe("stage1", "stage2", "stage2", trainable="perceiver_xattn+vit"),
    "more_epochs": Recipe("stage1", "stage2", "stage2", epochs_factor=2),
    "low_resolution": Recipe("stage1", "stage2", "stage2", low_resolution=True),
}


def models_to_train(params: TuningParams) -> list[str]:
    """Clever Flamingo's stages, then the comparisons asked for, in an order that trains every start first."""
    return ["stage1", "stage2", "stage3", *params.comparisons]


def train_config(params: TuningParams, recipe: Recipe):
    stage = getattr(params, recipe.stage)
    update = {"epochs": stage.train.epochs * recipe.epochs_factor}
    if recipe.trainable:
        update["trainable"] = recipe.trainable
    return stage.train.model_copy(update=update), stage.max_images
