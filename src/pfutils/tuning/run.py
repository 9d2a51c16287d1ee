"""Stage 06's job: trains one tuned model by its recipe (`tuning.recipes`, `pfutils.tuning.recipes`).

    python -m pfutils.tuning.run --params params.yaml --model stage2 --seed 0    (or under torchrun)

Each training seed of `tuning.seeds` is a replicate of the whole schedule: `models/<model>/seed<k>`, started
from the same seed's start model (stage 2 of seed 1 from stage 1 of seed 1), trained on the same seed's stage
data (made from the PF-1M of seed k's rewriter: `data/stages/<data>/seed<k>`), its adapter initialised, its data
shuffled and augmented from that seed.
"""
from __future__ import annotations

import argparse
from contextlib import contextmanager
from pathlib import Path

import datasets
import torch

from ..augmentation.packing import Turn, epoch_examples, tokenized_turns
from ..launch import process_state
from ..model.checkpoint import load_flamingo, save_flamingo
from ..model.device import runtime_device, runtime_dtype
from ..model.images import image_transform
from ..model.config import LoraSettings
from ..model.lora import add_lora, has_lora
from ..model.resolution import set_image_size
from ..params import load_params
from ..schema import undecoded
from ..storage import write_json
from ..training.trainer import train
from .config import TuningParams
from .recipes import start_dir, train_config, tuned_dir


def resize_vision(model, image_size: int, key: str) -> None:
    """Figure 9's "224 Resolution": the start model's vision tower reads `image_size` px images from here on,
    its position embeddings interpolated to the new grid (`model.resolution`); its config records the size,
    so the saved model and every stage that loads it read images at that size too."""
    try:
        set_image_size(model, image_size)
    except ValueError as error:
        raise ValueError(f"{key}: {error}") from None


@contextmanager
def frozen_lora_folded(model, trainable: str):
    """While a stage trains no LoRA (stage 2: perceiver + XATTN after stage 1's LoRA), the frozen adapter is
    folded into the LM's weights (peft's `merge_adapter`) and taken out again afterwards, so each step runs
    the plain LM instead of the adapter's extra matmuls and dropout. The LM's weights are never saved by such a
    stage (only the trained tensors and the adapter are), so the rounding of the round trip stays in memory."""
    fold = has_lora(model) and "lora" not in trainable.split("+")
    if fold:
        model.lang_encoder.merge_adapter()
    try:
        yield
    finally:
        if fold:
            model.lang_encoder.unmerge_adapter()


def tune(tuning: TuningParams, lora: LoraSettings, name: str, seed: int, models: Path, data: Path, *,
         compile_layers: bool = False, shard_frozen: bool = False) -> list[dict]:
    """Trains recipe `name` of the `tuning` section for training `seed` (a fresh `lora` adapter where the recipe
    trains one its start model lacks) and saves it under `models`; reads its data and checkpoints under `data`.
    `compile_layers` and `shard_frozen` are the run's `compute` settings: speed and memory only."""
    recipe = tuning.recipes[name]
    model, tokenizer = load_flamingo(start_dir(models, recipe, seed), device="cpu",
                                     dtype=runtime_dtype(runtime_device()))
    config, max_images = train_config(tuning, recipe)
    torch.manual_seed(seed)
    if "lora" in config.trainable.split("+") and not has_lora(model):
        add_lora(model, lora)
    if recipe.image_px is not None:
        resize_vision(model, recipe.image_px, f"tuning.recipes.{name}.image_px")
    rows = undecoded(datasets.load_from_disk(str(data / "stages" / recipe.data / f"seed{seed}")))  # decoded per batch
    turns = [Turn(r["instruction"], r["response"], tuple(r["images"])) for r in rows]
    tokenized = tokenized_turns(tokenizer, turns, model.behaviour)

    def examples(epoch: int) -> list[dict]:
        return epoch_examples(tokenized, config.context_length, max_images, seed, epoch, tuning.augment)

    with frozen_lora_folded(model, config.trainable):
        model, curve = train(model, tokenizer, examples, config, data / "checkpoints" / f"tuning-seed{seed}-{name}",
                             seed, image_transform(model.vision_encoder), name=name,
                             compile_layers=compile_layers, shard_frozen=shard_frozen)
    if process_state().is_main_process:
        out = tuned_dir(models, name, seed)
        save_flamingo(model, out, tokenizer, title=f"Clever Flamingo: {name} (training seed {seed})",
                      description=f"Started from {recipe.start}; trained {config.trainable} on {recipe.data} with "
                                  f"{recipe.stage}'s hyper-parameters (Section 4.3, Figure 9).",
                      data=f"{len(rows)} samples of {recipe.data}, multi-turn augmentation {tuning.augment}",
                      params={"recipe": recipe.model_dump(), "train": config.model_dump(), "max_images": max_images,
                              "seed": seed},
                      save_vision="vit" in config.trainable.split("+"))
        write_json({"curve": curve, "samples": len(rows)}, out / "training.json")
    return curve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--model", required=True, help="a recipe of tuning.recipes")
    parser.add_argument("--seed", required=True, type=int, help="a training seed of tuning.seeds")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    if args.model not in params.tuning.recipes:
        parser.error(f"--model {args.model} is not one of tuning.recipes {sorted(params.tuning.recipes)}")
    if args.seed not in params.tuning.seeds:
        parser.error(f"--seed {args.seed} is not one of tuning.seeds {list(params.tuning.seeds)}")
    tune(params.tuning, params.model.lora, args.model, args.seed, Path(params.paths.models), Path(params.paths.data),
         compile_layers=params.compute.compile_training, shard_frozen=params.compute.shard_frozen_weights)


if __name__ == "__main__":
    main()
