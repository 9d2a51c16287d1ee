"""Batched generation over many prompts: left-padded batches through `Flamingo.generate` (KV cache).

The original authors' inference helper decodes one prompt at a time; batching the prompts gives the same greedy
outputs (position ids follow the attention mask, padded image slots are never attended) many times faster.
"""

from collections.abc import Sequence

import torch
from transformers import BatchEncoding, CompileConfig, PreTrainedTokenizerBase

from pfutils.model.flamingo import Flamingo
from pfutils.model.images import image_transform, images_tensor

# A static KV cache is sized for prompt + new tokens, rounded up to this many positions: batches whose prompts
# differ a little share one cache shape, hence one compiled decoding step (transformers keeps the largest size).
STATIC_CACHE_BUCKET = 256


def prompt_ids(tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], bos: bool) -> list[list[int]]:
    """Each prompt tokenised whole, with no special tokens but the tokenizer's BOS first when `bos` (the model's
    behaviour, as its training sequences were built: `training.examples.tokenize_segments`)."""
    rows = tokenizer(list(prompts), add_special_tokens=False)["input_ids"]
    return [[tokenizer.bos_token_id, *row] for row in rows] if bos else rows


def left_padded_prompts(tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], device, bos: bool
                        ) -> BatchEncoding:
    """input_ids and attention_mask of `prompt_ids`, padded on the left (generation appends on the right)."""
    return tokenizer.pad({"input_ids": prompt_ids(tokenizer, prompts, bos)}, padding=True, padding_side="left",
                         return_tensors="pt").to(device)


def new_tokens(sequences: torch.Tensor, prompt_length: int, eos_token_ids: Sequence[int]) -> list[list[int]]:
    """Each row's generated tokens, cut before its first end-of-sequence token (what follows is padding)."""
    rows = []
    for row in sequences[:, prompt_length:].tolist():
        end = next((i for i, token in enumerate(row) if token in eos_token_ids), len(row))
        rows.append(row[:end])
    return rows


def decoding_compile_config(backend: str = "inductor", on_any_device: bool = False) -> CompileConfig:
    """How the decoding step is compiled (`decoding.compile`): one full graph per step shape (the static cache
    and the batch fix it), CUDA graphs with inductor. Transformers compiles on CUDA only unless `on_any_device`
    (a benchmark compiles where it runs)."""
    config = CompileConfig(fullgraph=True, dynamic=False, backend=backend,
                           mode="reduce-overhead" if backend == "inductor" else "default")
    config._compile_all_devices = on_any_device
    return config


def static_cache_length(prompt_length: int, max_new_tokens: int) -> int:
    """Positions of the static KV cache for a batch: prompt + new tokens, rounded up to `STATIC_CACHE_BUCKET`."""
    return -(-(prompt_length + max_new_tokens) // STATIC_CACHE_BUCKET) * STATIC_CACHE_BUCKET


def generate_tokens(
    model: Flamingo,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    images: torch.Tensor | None = None,
    image_mask: torch.Tensor | None = None,
    batch_size: int = 32,
    **generate_kwargs,
) -> list[list[int]]:
    """New tokens for every prompt (one list per returned sequence, in order), `batch_size` prompts at a time.

    `images` (P, N, 3, H, W) and `image_mask` (P, N) hold prompt i's images in row i. Default stop and pad
    tokens are the tokenizer's eos and pad. With `cache_implementation="static"` the cache is sized in buckets
    (`static_cache_length`) unless `max_cache_len` is given.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    generate_kwargs.setdefault("eos_token_id", tokenizer.eos_token_id)
    generate_kwargs.setdefault("pad_token_id", tokenizer.pad_token_id)
    eos = generate_kwargs["eos_token_id"]
    eos_token_ids = list(eos) if isinstance(eos, (list, tuple)) else [eos]
    device = next(model.parameters()).device
    outputs: list[list[int]] = []
    for start in range(0, len(prompts), batch_size):
        stop = start + batch_size
        batch = left_padded_prompts(tokenizer, prompts[start:stop], device, model.behaviour.bos)
        cache_kwargs = {}
        if generate_kwargs.get("cache_implementation") == "static" and "max_cache_len" not in generate_kwargs:
            cache_kwargs["max_cache_len"] = static_cache_length(batch["input_ids"].shape[1],
                                                                generate_kwargs.get("max_new_tokens", 0))
        sequences = model.generate(
            batch["input_ids"],
            batch["attention_mask"],
            images=None if images is None else images[start:stop],
            image_mask=None if image_mask is None else image_mask[start:stop],
            **generate_kwargs,
            **cache_kwargs,
        )
        outputs.extend(new_tokens(sequences, batch["input_ids"].shape[1], eos_token_ids))
    return outputs


def generate_texts(
    model: Flamingo,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    image_lists: Sequence[Sequence],
    batch_size: int = 32,
    **generate_kwargs,
) -> list[str]:
    """Decoded, stripped continuations of `prompts`; `image_lists[i]` holds prompt i's images (PIL, or stored as
    `pfutils.schema.undecoded` rows hold them). Images are decoded and preprocessed batch by batch, so a million
    prompts never sit in memory as decoded images or tensors at once."""
    transform = image_transform(model.vision_encoder)
    texts: list[str] = []
    for start in range(0, len(prompts), batch_size):
        images, mask = images_tensor(image_lists[start:start + batch_size], transform)
        has_images = images.shape[1] > 0
        tokens = generate_tokens(model, tokenizer, prompts[start:start + batch_size],
                                 images if has_images else None, mask if has_images else None,
                                 batch_size=batch_size, **generate_kwargs)
        texts += [tokenizer.decode(t, skip_special_tokens=True).strip() for t in tokens]
    return texts
