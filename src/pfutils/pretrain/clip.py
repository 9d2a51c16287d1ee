"""A small CLIP, built with open_clip and trained contrastively on toyworld image-caption pairs.

It is both the vision tower of the tiny Flamingo (its patch tokens) and the CLIPScore model of the filtering
stage. Saved in open_clip's own local-directory format (`open_clip_config.json` + `open_clip_model.safetensors`),
so `open_clip.create_model("local-dir:<dir>")` loads it like any released CLIP.
"""
from __future__ import annotations

import random
from pathlib import Path

import open_clip
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from tqdm import tqdm

from ..storage import atomic_dir, write_json
from ..toyworld.render import render
from ..toyworld.scene import Scene
from ..training.schedule import warmup_cosine
from .tokenizer import EOS_ID, PAD_ID

MEAN = STD = (0.5, 0.5, 0.5)


def clip_config(image_size: int, patch_size: int, width: int, layers: int, heads: int, text_width: int,
                text_layers: int, text_heads: int, embed_dim: int, vocab_size: int, context_length: int) -> dict:
    return {
        "embed_dim": embed_dim,
        "vision_cfg": {"image_size": image_size, "patch_size": patch_size, "width": width, "layers": layers,
                       "head_width": width // heads, "mlp_ratio": 4.0},
        "text_cfg": {"context_length": context_length, "vocab_size": vocab_size, "width": text_width,
                     "heads": text_heads, "layers": text_layers, "pad_id": PAD_ID, "eos_id": EOS_ID,
                     "pool_type": "eos"},
    }


def image_tensor(images, image_size: int) -> torch.Tensor:
    """PIL images -> normalised (N, 3, H, W), as the saved preprocess config does it (no augmentation)."""
    x = torch.stack([torch.frombuffer(bytearray(im.convert("RGB").resize((image_size, image_size)).tobytes()),
                                      dtype=torch.uint8).view(image_size, image_size, 3) for im in images])
    x = x.permute(0, 3, 1, 2).float() / 255.0
    mean, std = torch.tensor(MEAN).view(1, 3, 1, 1), torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def text_tokens(tokenizer, texts: list[str], context_length: int) -> torch.Tensor:
    """Token ids ending in EOS, truncated and right-padded with PAD to the text tower's context length."""
    rows = []
    for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]:
        ids = ids[:context_length - 1] + [EOS_ID]
        rows.append(ids + [PAD_ID] * (context_length - len(ids)))
    return torch.tensor(rows)


def train_clip(pairs: list[tuple[Scene, str]], tokenizer, cfg: dict, steps: int, batch_size: int, lr: float,
               warmup: int, seed: int) -> tuple[open_clip.CLIP, list[dict]]:
    """Contrastive training (open_clip's ClipLoss), warm-up then cosine decay; returns the model and its loss curve."""
    torch.manual_seed(seed)
    model = open_clip.CLIP(**cfg)
    image_size, context = cfg["vision_cfg"]["image_size"], cfg["text_cfg"]["context_length"]
    images = image_tensor([render(scene, image_size) for scene, _ in pairs], image_size)
    texts = text_tokens(tokenizer, [caption for _, caption in pairs], context)
    loss_fn = open_clip.ClipLoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(steps, warmup))
    order = random.Random(seed)
    curve = []
    model.train()
    for step in tqdm(range(steps), desc="clip", mininterval=10):
        twos = order.sample(range(len(pairs) // 2), batch_size // 2)  # pairs come in twos (hard negatives)
        idx = torch.tensor([2 * t + k for t in twos for k in (0, 1)])
        image_features, text_features, scale = model(images[idx], texts[idx])
        loss = loss_fn(image_features, text_features, scale)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 25 == 0 or step == steps - 1:
            curve.append({"model": "clip", "step": step, "loss": round(loss.item(), 4)})
    return model.eval(), curve


def save_clip(model: open_clip.CLIP, cfg: dict, out_dir: str | Path) -> None:
    preprocess = {"size": cfg["vision_cfg"]["image_size"], "mean": list(MEAN), "std": list(STD),
                  "interpolation": "bicubic", "resize_mode": "shortest"}
    with atomic_dir(out_dir) as tmp:
        write_json({"model_cfg": cfg, "preprocess_cfg": preprocess}, tmp / "open_clip_config.json")
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp / "open_clip_model.safetensors"))


def load_clip(out_dir: str | Path) -> open_clip.CLIP:
    return open_clip.create_model(f"local-dir:{out_dir}").eval()


@torch.no_grad()
def zero_shot_accuracy(model: open_clip.CLIP, tokenizer, images, labels: list[str], prompts: dict[str, str],
                       context_length: int) -> float:
    """Share of images whose most similar prompt is the one of their label (prompts: label -> text)."""
    names = list(prompts)
    text = F.normalize(model.encode_text(text_tokens(tokenizer, [prompts[n] for n in names], context_length)), dim=-1)
    image = F.normalize(model.encode_image(image_tensor(images, model.visual.image_size[0])), dim=-1)
    predicted = (image @ text.T).argmax(dim=-1)
    return sum(names[p] == label for p, label in zip(predicted.tolist(), labels)) / len(labels)

