"""FLOPs per token and MFU, against numbers worked out by hand from the tiny test model's shapes."""

import pytest
from model_fixtures import (
    one_torch_thread,  # noqa: F401  (autouse: one torch thread per test)
    tiny_flamingo,
)

from pfutils.benchmarks.flops import H100_BF16_DENSE_PEAK_FLOPS, flamingo_flops, flops_per_token, mfu
from pfutils.model.lora import add_lora


def test_nanogpt_formula_on_gpt2_small():
    # nanoGPT's GPT-2 124M: N = 124,337,664 without position embeddings (85M blocks + 38.6M tied wte + norms),
    # 12 layers of 12 heads of 64, block size 1024.
    n = 124_337_664
    assert flops_per_token(n, 12, 12, 64, 1024) == 746_025_984 + 113_246_208


def test_mfu_is_achieved_over_peak():
    assert H100_BF16_DENSE_PEAK_FLOPS == 989e12
    # 10k tokens/s of a 7B model at 6 * 7e9 FLOPs each: 4.2e14 FLOPs/s, 42.47% of an H100.
    assert mfu(10_000, 6 * 7e9, H100_BF16_DENSE_PEAK_FLOPS) == pytest.approx(4.2e14 / 989e12)


# The tiny Flamingo (model_fixtures): LM hidden 32, FFN 64, 4 layers, 4 heads of 8, 2 KV heads, vocab 64;
# XATTN (2 heads of 8, inner 16, FFN x2, vision width 32) before layers 1 and 3; 4 latents per image.
LAYER = 32 * 32 + 32 * 16 + 32 * 16 + 32 * 32 + 3 * 32 * 64 + 2 * 32  # q, k, v, o, gate/up/down, 2 RMSNorms = 9280
LM = 4 * LAYER + 32 + 64 * 32  # layers, final norm, lm_head; the 64 x 32 input embedding is a lookup = 39200
XATTN_BLOCK = 2 * 32 + 32 * 16 + 16 * 32 + 1 + 2 * 32 + 32 * 64 + 64 * 32 + 1  # norm, q, out, gate, FFN = 5250
SELF_ATTENTION = 12 * 4 * 4 * 8  # per context position


def test_tiny_flamingo_counts():
    model, _ = tiny_flamingo()
    counts = flamingo_flops(model, context_length=16, images_per_sequence=1)
    assert (LAYER, LM, XATTN_BLOCK) == (9280, 39200, 5250)
    assert counts.lm_params == LM
    assert counts.xattn_params == 2 * XATTN_BLOCK
    assert counts.lora_params == 0
    assert counts.self_attention_flops == SELF_ATTENTION * 16 == 24_576
    assert counts.cross_attention_flops == 12 * 2 * 2 * 8 * 4 == 1536
    assert counts.flops_per_token == 6 * (LM + 2 * XATTN_BLOCK) + 24_576 + 1536 == 324_312
    # per image: the whole ViT, the perceiver, the XATTN key/value projections (2 x 32 x 32)
    vision = sum(p.numel() for p in model.vision_encoder.parameters())
    perceiver = sum(p.numel() for p in model.perceiver.parameters())
    assert counts.per_image_params == vision + perceiver + 2 * 32 * 32
    everything = sum(p.numel() for p in model.parameters())
    assert everything == counts.per_image_params + counts.params_per_token + 64 * 32  # + input embedding


def test_lora_and_images_per_sequence():
    model, _ = tiny_flamingo()
    add_lora(model, model.config.lora)  # r=4 on q, k, v, o, gate, up, down
    lora_layer = 4 * ((32 + 32) + (32 + 16) + (32 + 16) + (32 + 32) + (32 + 64) + (32 + 64) + (64 + 32))
    counts = flamingo_flops(model, context_length=16, images_per_sequence=3)
    assert counts.lora_params == 4 * lora_layer == 8192
    assert counts.lm_params == LM, "peft's wrapping must not change what the LM counts"
    assert counts.cross_attention_flops == 3 * 1536
    assert counts.flops_per_token == 6 * (LM + 2 * XATTN_BLOCK + 8192) + 24_576 + 3 * 1536
