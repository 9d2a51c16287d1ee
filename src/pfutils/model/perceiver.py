"""Perceiver resampler (OpenFlamingo v1): a fixed number of learned latents cross-attends to an image's patch tokens.

Every image, whatever its resolution, becomes `num_latents` vectors of the vision width, which the language model's
gated cross-attention layers then read. Module and parameter names follow OpenFlamingo v1
(`latents`, `layers.{i}.0.{norm_media,norm_latents,to_q,to_kv,to_out}`, `layers.{i}.1.{0,1,3}`, `norm`), so its
checkpoints map in by name.
"""

import torch
from torch import nn
from torch.nn import functional as F


class LayerNorm(nn.LayerNorm):
    """A LayerNorm that normalises in its own weights' dtype. Training keeps these weights in fp32 while the model
    runs in bf16 (`training.trainer`): CUDA's autocast runs layer_norm in fp32 anyway, the CPU's autocast does not
    and rejects bf16 input with fp32 weights."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.to(self.weight.dtype))


def feed_forward(dim: int, mult: int) -> nn.Sequential:
    """Pre-norm GELU MLP without biases; indices 0 (LayerNorm), 1 and 3 (Linear) are OpenFlamingo's names."""
    inner = dim * mult
    return nn.Sequential(
        LayerNorm(dim),
        nn.Linear(dim, inner, bias=False),
        nn.GELU(),
        nn.Linear(inner, dim, bias=False),
    )


def split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """(..., length, heads * dim_head) -> (..., heads, length, dim_head)."""
    return x.unflatten(-1, (heads, -1)).transpose(-3, -2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(..., heads, length, dim_head) -> (..., length, heads * dim_head)."""
    return x.transpose(-3, -2).flatten(-2)


class PerceiverAttention(nn.Module):
    """Latents attend to the image tokens and to themselves (keys/values are both, as in Flamingo)."""

    def __init__(self, dim: int, dim_head: int, heads: int):
        super().__init__()
        self.heads = heads
        inner = dim_head * heads
        self.norm_media = LayerNorm(dim)
        self.norm_latents = LayerNorm(dim)
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_kv = nn.Linear(dim, inner * 2, bias=False)
        self.to_out = nn.Linear(inner, dim, bias=False)

    def forward(self, media: torch.Tensor, latents: torch.Tensor) -> torch.Tensor:
        """media (M, v, dim), latents (M, n, dim) -> update for the latents (M, n, dim)."""
        media = self.norm_media(media)
        latents = self.norm_latents(latents)
        q = split_heads(self.to_q(latents), self.heads)
        k, v = self.to_kv(torch.cat((media, latents), dim=-2)).chunk(2, dim=-1)
        out = F.scaled_dot_product_attention(q, split_heads(k, self.heads), split_heads(v, self.heads))
        return self.to_out(merge_heads(out))


class PerceiverResampler(nn.Module):
    """Maps each image's patch tokens (M, v, dim) to `num_latents` latents (M, num_latents, dim)."""

    def __init__(self, dim: int, depth: int, num_latents: int, heads: int, dim_head: int, ff_mult: int):
        super().__init__()
        self.latents = nn.Parameter(torch.randn(num_latents, dim))
        self.layers = nn.ModuleList(
            nn.ModuleList([PerceiverAttention(dim, dim_head, heads), feed_forward(dim, ff_mult)]) for _ in range(depth)
        )
        self.norm = LayerNorm(dim)

    def forward(self, media: torch.Tensor) -> torch.Tensor:
        latents = self.latents.expand(media.shape[0], -1, -1)
        for attention, ff in self.layers:
            latents = attention(media, latents) + latents
            latents = ff(latents) + latents
        return self.norm(latents)
