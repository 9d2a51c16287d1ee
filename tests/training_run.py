"""A tiny training run used by tests/test_training.py, in-process or under `torchrun --nproc_per_node 2`.

Usage: python tests/training_run.py OUT.safetensors WORK_DIR [--stop-after N] [--shard] [--images-everywhere]
       [--batch-size N] [--micro-batch-size N] [--trainable SET] [--compile-backend NAME]
(a set with "lora" gets a LoRA adapter; --compile-backend compiles the decoder layers with that torch.compile backend)
"""
import argparse
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).parent))
from model_fixtures import random_images, tiny_flamingo  # noqa: E402

from pfutils.model.lora import add_lora  # noqa: E402
from pfutils.training.examples import Segment, supervised_example  # noqa: E402
from pfutils.training.config import TrainConfig  # noqa: E402
from pfutils.training.trainer import train  # noqa: E402

CONFIG = TrainConfig(trainable="perceiver_xattn", epochs=2, lr=1e-2, batch_size=4, micro_batch_size=1,
                     context_length=64, warmup_ratio=0.25, weight_decay=0.0, max_grad_norm=1.0, save_every=1)


def examples(tokenizer, images_everywhere: bool = False) -> list[dict]:
    """Six examples, some with one or two images, some text only: all the paths of collate and the loss mask
    (with `images_everywhere`, one or two images each)."""
    images = random_images(6, 2, seed=3)
    rows = []
    for i in range(6):
        n_images = 1 + i % 2 if images_everywhere else i % 3
        prompt = "<image>" * n_images + " ".join(f"w{(i + k) % 50}" for k in range(4))
        response = " ".join(f"w{(2 * i + k) % 50}" for k in range(3))
        pictures = [_to_pil(images[i, k]) for k in range(n_images)]
        segments = [Segment(prompt, False), Segment(" " + response, True)]
        rows.append(supervised_example(tokenizer, segments, pictures, 64, bos=False))
    return rows


def _to_pil(tensor):
    from PIL import Image
    array = ((tensor.clamp(-2, 2) + 2) / 4 * 255).byte().permute(1, 2, 0).numpy()
    return Image.fromarray(array)


def run(out: str, work_dir: str, stop_after: int | None = None, compile_layers: bool = False,
        shard_frozen: bool = False, images_everywhere: bool = False, model_seed: int = 0, **config) -> dict:
    """Trains with CONFIG, or CONFIG with the `config` fields replaced, from the tiny model of `model_seed`."""
    torch.set_num_threads(1)
    model, tokenizer = tiny_flamingo(seed=model_seed)
    if "lora" in config.get("trainable", CONFIG.trainable).split("+"):
        add_lora(model, model.config.lora)
    from pfutils.model.images import image_transform
    model, curve = train(model, tokenizer, examples(tokenizer, images_everywhere), CONFIG.model_copy(update=config),
                         work_dir, seed=7, transform=image_transform(model.vision_encoder), stop_after=stop_after,
                         compile_layers=compile_layers, shard_frozen=shard_frozen)
    tensors = {n: p.detach().contiguous() for n, p in model.named_parameters() if p.requires_grad}
    frozen = {n: p.detach().contiguous() for n, p in model.named_parameters() if not p.requires_grad}
    if int(__import__("os").environ.get("RANK", "0")) == 0:
        save_file(tensors, out)
        save_file(frozen, out.replace(".safetensors", ".frozen.safetensors"))
    return {"curve": curve}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("work_dir")
    parser.add_argument("--stop-after", type=int)
    parser.add_argument("--shard", action="store_true")
    parser.add_argument("--images-everywhere", action="store_true")
    parser.add_argument("--batch-size", type=int, default=CONFIG.batch_size)
    parser.add_argument("--micro-batch-size", type=int, default=CONFIG.micro_batch_size)
    parser.add_argument("--trainable", default=CONFIG.trainable)
    parser.add_argument("--compile-backend")
    args = parser.parse_args()
    if args.compile_backend:
        from functools import partial

        from pfutils.model.compile import compile_decoder_layers
        from pfutils.training import trainer
        trainer.compile_decoder_layers = partial(compile_decoder_layers, backend=args.compile_backend)
        torch._dynamo.config.fail_on_recompile_limit_hit = True
    run(args.out, args.work_dir, args.stop_after, compile_layers=bool(args.compile_backend), shard_frozen=args.shard,
        images_everywhere=args.images_everywhere, batch_size=args.batch_size, micro_batch_size=args.micro_batch_size,
        trainable=args.trainable)
