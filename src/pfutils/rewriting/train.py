"""Stage 02's training: Polite Flamingo = the base Flamingo + a LoRA adapter trained to revise drafts.

    python -m pfutils.rewriting.train --params params.yaml --seed 0   (or under torchrun for several processes)

Loss only on the revised response and its EOS (Figure 3's prompt; template from params); trainable set `lora`:
the adapter the starting model carries (the paper's starts from Guanaco-7B's), else a fresh one.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import datasets
import torch

from ..launch import process_state
from ..model.checkpoint import load_flamingo, save_flamingo
from ..model.device import runtime_device, runtime_dtype
from ..model.images import image_transform
from ..model.config import LoraSettings
from ..model.lora import add_lora, has_lora
from ..params import load_params
from ..schema import undecoded
from ..storage import write_json
from ..training.trainer import train
from .config import RewriterParams
from .rewrite import rewriter_examples


def train_rewriter(p: RewriterParams, lora: LoraSettings, base_dir: Path, pairs_dir: Path, out_dir: Path,
                   checkpoint_dir: Path, name: str, seed: int, *, compile_layers: bool = False,
                   shard_frozen: bool = False) -> list[dict]:
    """Trains a rewriter (the `rewriter` section) on the distorted pairs of `pairs_dir`, starting from the
    Flamingo in `base_dir` (a fresh `lora` adapter where it carries none), resuming from `checkpoint_dir`.
    `compile_layers` and `shard_frozen` are the run's `compute` settings: speed and memory only."""
    # Loaded on the CPU; the trainer moves it to this process's device (one GPU per rank under torchrun).
    model, tokenizer = load_flamingo(base_dir, device="cpu", dtype=runtime_dtype(runtime_device()))
    # The rewriter continues the LoRA adapter its starting model carries: Guanaco-7B's on the paper's base, Clever
    # Flamingo's for the second generation ("initialised from Clever Flamingo instead of OpenFlamingo-9B"), or a
    # fresh one where there is none (toyworld's base).
    torch.manual_seed(seed)
    if not has_lora(model):
        add_lora(model, lora)
    rows = undecoded(datasets.load_from_disk(str(pairs_dir))["train"])  # decoded per micro-batch
    examples, rejects = rewriter_examples(tokenizer, rows, p.template, p.train.context_length, model.behaviour)
    model, curve = train(model, tokenizer, examples, p.train, checkpoint_dir, seed,
                         image_transform(model.vision_encoder), name=name, compile_layers=compile_layers,
                         shard_frozen=shard_frozen)
    if process_state().is_main_process:
        save_flamingo(model, out_dir, tokenizer, title=f"Polite Flamingo ({name})",
                      description="A multi-modal rewriter: base Flamingo + LoRA trained to revise distorted "
                                  "drafts into the original polite responses (Section 3.3).",
                      data=f"{len(examples)} distorted pairs from {pairs_dir} ({len(rejects)} too long)",
                      params={"rewriter": p.model_dump(), "lora": lora.model_dump(),
                              "started_from": str(base_dir), "seed": seed})
        write_json({"curve": curve, "examples": len(examples), "too_long": rejects}, out_dir / "training.json")
    return curve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--start", help="the Flamingo to start from (default: models/base/flamingo)")
    parser.add_argument("--name", help="output directory under models/ (default: polite_flamingo/seed<seed>)")
    parser.add_argument("--seed", type=int, help="training seed (default: params' seed; the second generation: "
                                                 "its Clever Flamingo's)")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    seed = params.seed if args.seed is None else args.seed
    name = args.name or f"polite_flamingo/seed{seed}"
    models, data = Path(params.paths.models), Path(params.paths.data)
    train_rewriter(params.rewriter, params.model.lora, Path(args.start or models / "base" / "flamingo"),
                   data / "distorted", models / name, data / "checkpoints" / name, name, seed,
                   compile_layers=params.compute.compile_training, shard_frozen=params.compute.shard_frozen_weights)


if __name__ == "__main__":
    main()
