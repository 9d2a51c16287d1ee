"""Gated cross-attention (OpenFlamingo v1): text tokens read image latents through tanh gates that start at 0.

With both gates at 0 the block is the identity, so the frozen LM is exactly unchanged at initialisation and
training opens the gates. Names follow OpenFlamingo v1 (`attn.{norm,to_q,to_kv,to_out}`, `attn_gate`,
`ff.{0,1,3}`, `ff_gate`).
"""

import torch
from torch import nn

from pfutils.model.perceiver import LayerNorm, feed_forward, merge_heads, split_heads


class MaskedCrossAttention(nn.Module):
    """Text queries, image-latent keys/values; each token sees only the image slots its mask allows."""

    def __init__(self, dim: int, dim_visual: int, dim_head: int, heads: int):
        super().__init__()
        self.heads = heads
        self.scale = dim_head**-0.5
        inner = dim_head * heads
        self.norm = LayerNorm(dim)
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_kv = nn.Linear(dim_visual, inner * 2, bias=False)
        self.to_out = nn.Linear(inner, dim, bias=False)

    def media_keys_values(self, media: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The keys and values of media (B, N, n, dim_visual), each (B, heads, N * n, dim_head). They are the same
        for every token of a call, so `generate()` computes them once and reuses them at each decoding step."""
        k, v = self.to_kv(media.flatten(1, 2)).chunk(2, dim=-1)
        return split_heads(k, self.heads), split_heads(v, self.heads)

    def forward(self, x: torch.Tensor, media: torch.Tensor, media_mask: torch.Tensor,
                keys_values: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        """x (B, T, dim), media (B, N, n, dim_visual), media_mask (B, T, N) -> (B, T, dim); `keys_values`: the
        media's, if already computed (`media_keys_values`).

        A token whose mask allows no image gets exactly zero (not an average of all latents).
        """
        latents_per_image = media.shape[2]
        q = split_heads(self.to_q(self.norm(x)), self.heads)
        k, v = keys_values if keys_values is not None else self.media_keys_values(media)
        scores = (q @ k.transpose(-1, -2)) * self.scale
        allowed = media_mask.repeat_interleave(latents_per_image, dim=-1)[:, None]
        scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
        weights = scores.softmax(dim=-1, dtype=torch.float32).to(q.dtype) * allowed
        return self.to_out(merge_heads(weights @ v))


class GatedCrossAttentionBlock(nn.Module):
    """x + tanh(attn_gate) * cross_attention(x) then x + tanh(ff_gate) * ff(x)."""

    def __init__(self, dim: int, dim_visual: int, dim_head: int, heads: int, ff_mult: int):
        super().__init__()
        self.attn = MaskedCrossAttention(dim, dim_visual, dim_head, heads)
        self.attn_gate = nn.Parameter(torch.zeros(1))
        self.ff = feed_forward(dim, ff_mult)
        self.ff_gate = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, media: torch.Tensor | None, media_mask: torch.Tensor | None,
                keys_values: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        """Without media (a text-only batch) the attention term is zero, as for text before any image."""
        if media is not None:
            x = x + self.attn(x, media, media_mask, keys_values) * self.attn_gate.tanh()
        return x + self.ff(x) * self.ff_gate.tanh()
