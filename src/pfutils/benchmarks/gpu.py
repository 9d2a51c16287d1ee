"""Single-GPU scale benchmark: LoRA training tokens/s with MFU, and batched rewriting decode new tokens/s.

Both measurements run the repository's own code paths on random weights of a chosen shape: training is
`training.trainer.train` (collate, bf16 autocast, backward, gradient clipping, AdamW, the per-step loss sync)
on the trainable set `lora`, as Polite Flamingo and Clever Flamingo stages 1 and 3 train; decoding is
`model.generation.generate_tokens` (left-padded batches, KV cache) with the LoRA adapter attached, as the
rewriting stage decodes. Each runs eagerly and compiled, as `compute.compile_training` and `decoding.cache:
static` + `decoding.compile` set it. Every sequence carries one image. Warm-up steps (and compilation) run first
and are not timed; on CUDA the clock is read after `torch.cuda.synchronize()`. `scripts/bench_gpu.py` is the
command line.
"""
from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from pfutils.benchmarks.flops import flamingo_flops, mfu
from pfutils.model.compile import compile_decoder_layers
from pfutils.model.build import assemble_flamingo, language_model, vision_tower
from pfutils.model.config import FlamingoConfig
from pfutils.model.device import runtime_dtype
from pfutils.model.flamingo import Flamingo
from pfutils.model.generation import decoding_compile_config, generate_tokens, static_cache_length
from pfutils.model.images import image_transform, images_tensor
from pfutils.model.lora import add_lora
from pfutils.prompts import END_OF_CHUNK, IMAGE_TOKEN
from pfutils.training.examples import IGNORE
from pfutils.training.config import TrainConfig
from pfutils.training.trainer import train

# LLaMA-7B's decoder (the paper's LM size), LLaMA's 32000-token vocabulary.
LLAMA_7B = {
    "hidden_size": 4096,
    "intermediate_size": 11008,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "vocab_size": 32000,
    "max_position_embeddings": 2048,
    "rms_norm_eps": 1e-6,
    "bos_token_id": 1,
    "eos_token_id": 2,
}
# Towers small enough for a CPU run of the whole benchmark in seconds (perceiver, XATTN and LoRA stay as given).
TINY_CLIP = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 16},
    "text_cfg": {"context_length": 16, "vocab_size": 64, "width": 32, "heads": 2, "layers": 1},
}
TINY_LLAMA = {**LLAMA_7B, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 4,
              "num_attention_heads": 4, "num_key_value_heads": 4, "vocab_size": 512, "max_position_embeddings": 512}
SHAPES = ("params", "7b", "tiny")


def shaped_config(config: FlamingoConfig, shape: str) -> FlamingoConfig:
    """`config` as given (`params`), with LLaMA-7B's decoder as the LM (`7b`), or with tiny towers (`tiny`);
    perceiver, XATTN placement and LoRA settings are kept, so only sizes change."""
    if shape == "params":
        return config
    if shape == "7b":
        return FlamingoConfig.model_validate({**config.model_dump(), "lm": {"llama_config": LLAMA_7B}})
    if shape == "tiny":
        return FlamingoConfig.model_validate(
            {**config.model_dump(), "vision": {"open_clip_cfg": TINY_CLIP}, "lm": {"llama_config": TINY_LLAMA}})
    raise ValueError(f"unknown shape {shape!r}; allowed: {list(SHAPES)}")


def synthetic_tokenizer(vocab_size: int) -> PreTrainedTokenizerFast:
    """A word-level tokenizer of exactly `vocab_size` ids (LLaMA's specials, `<image>`, `<|endofchunk|>`, then
    words w0, w1, ...): a random-weight LM needs no real vocabulary, only the right embedding size, and holding the
    Flamingo tokens already means the LM's embeddings are never resized."""
    special = ["<unk>", "<s>", "</s>", IMAGE_TOKEN, END_OF_CHUNK]
    vocab = special + [f"w{i}" for i in range(vocab_size - len(special))]
    backend = Tokenizer(models.WordLevel({token: i for i, token in enumerate(vocab)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", bos_token="<s>", eos_token="</s>",
                                   extra_special_tokens=[IMAGE_TOKEN, END_OF_CHUNK])


def build_bench_model(config: FlamingoConfig, device: str, seed: int = 0) -> tuple[Flamingo, PreTrainedTokenizerFast]:
    """A random-weight Flamingo of `config` (its LM must be an inline `llama_config`) with a fresh LoRA adapter,
    on `device` in its runtime dtype (bf16 on cuda). The LM, perceiver and XATTN are allocated on the device
    directly: a 7B LM and its 1B of XATTN initialised on the host first would spend minutes there."""
    if config.lm.llama_config is None:
        raise ValueError("the benchmark builds random weights: model.lm needs llama_config, not name_or_path")
    torch.manual_seed(seed)
    tokenizer = synthetic_tokenizer(config.lm.llama_config["vocab_size"])
    vision = vision_tower(config.vision)  # open_clip builds on the host whatever the default device
    with torch.device(device):
        lm = language_model(config.lm, runtime_dtype(torch.device(device)))
        model = assemble_flamingo(config, vision, lm, tokenizer)
        add_lora(model, config.lora)
    if torch.device(device).type == "cuda":
        torch.cuda.empty_cache()  # the fp32 construction copy of the LM
    return model, tokenizer


def _word_ids(tokenizer, count: int, rng: random.Random) -> list[int]:
    first_word = tokenizer.convert_tokens_to_ids("w0")
    return [rng.randrange(first_word, len(tokenizer)) for _ in range(count)]


def _image(model: Flamingo) -> Image.Image:
    return Image.new("RGB", model.image_size, (120, 60, 200))


def synthetic_examples(model: Flamingo, tokenizer, count: int, context: int, seed: int) -> list[dict]:
    """Training examples of exactly `context` tokens (BOS, `<image>`, random words), loss on every word."""
    rng = random.Random(seed)
    head = [tokenizer.bos_token_id, model.media_token_id]
    examples = []
    for _ in range(count):
        words = _word_ids(tokenizer, context - len(head), rng)
        examples.append({"input_ids": head + words, "labels": [IGNORE] * len(head) + words, "images": [_image(model)]})
    return examples


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _reset_peak_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def _peak_memory_gib(device: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None


def lora_training_throughput(model: Flamingo, tokenizer, batch_size: int, context: int, steps: int,
                             warmup_steps: int, peak_flops: float | None, seed: int = 0,
                             compile_backend: str | None = None) -> dict:
    """Tokens/s (all `batch_size * context` positions of a step, as nanoGPT counts) of `steps` optimizer steps of
    the trainer on LoRA, after `warmup_steps` untimed ones, and MFU against `peak_flops` (None: not reported).
    With `compile_backend` the decoder layers are first compiled in place with it, as `compute.compile_training`
    does with inductor (they stay compiled; the warm-up steps pay for the compilation)."""
    if compile_backend is not None:
        compile_decoder_layers(model, backend=compile_backend)
    device = next(model.parameters()).device
    config = TrainConfig(trainable="lora", epochs=1, lr=1e-4, batch_size=batch_size, micro_batch_size=batch_size,
                         context_length=context, warmup_ratio=0.0, weight_decay=0.0, max_grad_norm=1.0,
                         save_every=1_000_000)
    examples = synthetic_examples(model, tokenizer, batch_size * max(steps, warmup_steps), context, seed)
    transform = image_transform(model.vision_encoder)
    with tempfile.TemporaryDirectory() as work:
        if warmup_steps:
            train(model, tokenizer, examples[:batch_size * warmup_steps], config, Path(work) / "warmup", seed,
                  transform, name="warm-up")
        _reset_peak_memory(device)
        _synchronize(device)
        start = time.perf_counter()
        _, curve = train(model, tokenizer, examples[:batch_size * steps], config, Path(work) / "timed", seed,
                         transform, name="timed")
        _synchronize(device)
        seconds = time.perf_counter() - start
    tokens_per_s = batch_size * context * steps / seconds
    per_token = flamingo_flops(model, context).flops_per_token
    return {
        "batch_size": batch_size,
        "context_length": context,
        "steps": steps,
        "warmup_steps": warmup_steps,
        "seconds": seconds,
        "tokens_per_s": tokens_per_s,
        "flops_per_token": per_token,
        "achieved_tflops": tokens_per_s * per_token / 1e12,
        "peak_flops": peak_flops,
        "mfu": None if peak_flops is None else mfu(tokens_per_s, per_token, peak_flops),
        "final_loss": curve[-1]["loss"],
        "peak_memory_gib": _peak_memory_gib(device),
    }


def rewriting_decode_throughput(model: Flamingo, tokenizer, batch_size: int, prompt_tokens: int, new_tokens: int,
                                seed: int = 0, compile_backend: str | None = None) -> dict:
    """New tokens/s of one greedy batch: `batch_size` prompts of exactly `prompt_tokens` tokens (one image each),
    `new_tokens` generated by every prompt (end-of-sequence suppressed until then). The clock covers the whole
    call, prefill and vision tower included, as the rewriting stage spends it. A short untimed batch runs first;
    with `compile_backend` both use a static cache of the same size and the compiled step
    (`decoding_compile_config`), so the timed batch reuses what the untimed one compiled."""
    device = next(model.parameters()).device
    rng = random.Random(seed)
    prompts = [f"{tokenizer.bos_token} {IMAGE_TOKEN} "
               + " ".join(tokenizer.convert_ids_to_tokens(_word_ids(tokenizer, prompt_tokens - 2, rng)))
               for _ in range(batch_size)]
    lengths = {len(ids) for ids in tokenizer(prompts)["input_ids"]}
    if lengths != {prompt_tokens}:
        raise ValueError(f"the prompts tokenise to {sorted(lengths)} tokens, not {prompt_tokens}")
    images, image_mask = images_tensor([[_image(model)]] * batch_size, image_transform(model.vision_encoder))
    model.eval()

    compiled = {} if compile_backend is None else {
        "cache_implementation": "static",
        "compile_config": decoding_compile_config(compile_backend, on_any_device=True),
        "max_cache_len": static_cache_length(prompt_tokens, new_tokens)}

    def decode(max_new: int) -> list[list[int]]:
        with torch.inference_mode():
            return generate_tokens(model, tokenizer, prompts, images, image_mask, batch_size=batch_size,
                                   max_new_tokens=max_new, min_new_tokens=max_new, do_sample=False, **compiled)

    decode(min(4, new_tokens))
    _reset_peak_memory(device)
    _synchronize(device)
    start = time.perf_counter()
    outputs = decode(new_tokens)
    _synchronize(device)
    seconds = time.perf_counter() - start
    generated = sum(len(output) for output in outputs)
    return {
        "batch_size": batch_size,
        "prompt_tokens": prompt_tokens,
        "new_tokens": new_tokens,
        "generated_tokens": generated,
        "seconds": seconds,
        "new_tokens_per_s": generated / seconds,
        "peak_memory_gib": _peak_memory_gib(device),
    }
