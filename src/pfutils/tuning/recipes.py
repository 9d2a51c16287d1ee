"""What each tuned model is (its `tuning.recipes` entry) turned into a training run, and where its models live.

Clever Flamingo is stage 1 -> stage 2 -> stage 3 (the U: LoRA on polite data, then perceiver + XATTN on all of
PF-1M with a shorter context, then LoRA again at a tenth of the learning rate). The comparison models and
Figure 9's stage-2 ablations change one thing each. Every model is trained once per training seed, into
`models/<recipe>/seed<k>`; a model that continues another starts from that model of the same seed.
"""
from __future__ import annotations

from pathlib import Path

from ..training.config import TrainConfig
from .config import Recipe, TuningParams


def tuned_dir(models: str | Path, name: str, seed: int) -> Path:
    """Where the model of recipe `name` and training seed `seed` is saved."""
    return Path(models) / name / f"seed{seed}"


def start_dir(models: str | Path, recipe: Recipe, seed: int) -> Path:
    """The model a recipe's run of training seed `seed` starts from: the base model, or its start recipe's
    model of the same seed."""
    return Path(models) / "base" / "flamingo" if recipe.start == "base" else tuned_dir(models, recipe.start, seed)


def train_config(params: TuningParams, recipe: Recipe) -> tuple[TrainConfig, int]:
    """The recipe's training hyper-parameters (its stage's, with its one change) and its images per sequence."""
    stage = getattr(params, recipe.stage)
    update = {"epochs": stage.train.epochs * (recipe.epochs_factor or 1)}
    if recipe.trainable:
        update["trainable"] = recipe.trainable
    return stage.train.model_copy(update=update), stage.max_images
