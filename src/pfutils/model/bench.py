"""Generation benchmark: batched KV-cached generation against the per-sample loop of the original inference code.

Both decode greedily with the same model, prompts and images; the report says whether their outputs are
identical and how many samples and generated tokens per second each reaches.
"""

import time
from collections.abc import Sequence

import torch
from transformers import PreTrainedTokenizerBase

from pfutils.model.flamingo import Flamingo
from pfutils.model.generation import generate_tokens


def timed_generation(model, tokenizer, prompts, images, image_mask, batch_size, max_new_tokens) -> tuple[list, dict]:
    """(outputs, {seconds, samples_per_s, tokens_per_s, generated_tokens}) of one greedy pass over the prompts."""
    start = time.perf_counter()
    outputs = generate_tokens(
        model, tokenizer, prompts, images, image_mask, batch_size, max_new_tokens=max_new_tokens, do_sample=False
    )
    seconds = time.perf_counter() - start
    tokens = sum(len(output) for output in outputs)
    return outputs, {
        "seconds": seconds,
        "samples_per_s": len(prompts) / seconds,
        "tokens_per_s": tokens / seconds,
        "generated_tokens": tokens,
    }


def generation_benchmark(
    model: Flamingo,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    images: torch.Tensor | None = None,
    image_mask: torch.Tensor | None = None,
    batch_size: int = 32,
    max_new_tokens: int = 32,
) -> dict:
    """Per-sample loop vs batches of `batch_size`, after one untimed warm-up batch; outputs compared token for
    token (`outputs_identical`, and the indices of prompts that differ)."""
    model.eval()
    warm_up = min(batch_size, len(prompts))
    timed_generation(model, tokenizer, prompts[:warm_up], images, image_mask, batch_size, max_new_tokens)
    per_sample_outputs, per_sample = timed_generation(
        model, tokenizer, prompts, images, image_mask, 1, max_new_tokens
    )
    batched_outputs, batched = timed_generation(
        model, tokenizer, prompts, images, image_mask, batch_size, max_new_tokens
    )
    differing = [i for i, (a, b) in enumerate(zip(per_sample_outputs, batched_outputs)) if a != b]
    parameter = next(model.parameters())
    return {
        "num_prompts": len(prompts),
        "batch_size": batch_size,
        "max_new_tokens": max_new_tokens,
        "device": str(parameter.device),
        "dtype": str(parameter.dtype).removeprefix("torch."),
        "torch_threads": torch.get_num_threads(),
        "per_sample": per_sample,
        "batched": batched,
        "speedup_samples_per_s": batched["samples_per_s"] / per_sample["samples_per_s"],
        "outputs_identical": not differing,
        "differing_prompts": differing,
    }
