"""Training FLOPs per token and model FLOPs utilisation (MFU), counted the way nanoGPT's `estimate_mfu` counts.

nanoGPT (Karpathy; after the PaLM paper, Appendix B) charges every token

    flops_per_token = 6 * N + 12 * L * H * Q * T

N parameters doing a multiply-add each in the forward pass (2N) and twice that in the backward pass (4N), plus the
attention scores and weighted sum (L layers, H heads of size Q, T positions attended). MFU is then achieved
FLOPs/s over the chip's peak. For a Flamingo that formula needs three decisions, made here as follows:

- Frozen parameters count in full (6 per parameter, like trainable ones). That is nanoGPT's and PaLM's
  convention, so our MFU compares with published ones, but it overstates the arithmetic LoRA training does: a
  frozen weight needs no weight gradient, so its true cost is 4 FLOPs per token, not 6. With a frozen LM and
  LoRA, the work actually done is close to two thirds of what this counts.
- N is the parameters every *text token* passes through: the LM's decoder layers and output head, the LoRA
  matrices, and the XATTN blocks' query/output projections, FFN, norms and gates. Left out, as nanoGPT leaves
  out its position-embedding table: the input-embedding table (a lookup, not a matmul; with tied embeddings it
  counts once, as the head), and everything that runs once per *image* rather than per token: the vision tower,
  the perceiver and the XATTN key/value projections of the image latents. So MFU slightly understates: one
  224-px ViT-B/16 image per 1024-token sequence adds about 0.5% to a 1.1B LM's work.
- Attention: the LM's self-attention is nanoGPT's term with T = the context length (full T, not T/2 for the
  causal half, exactly as nanoGPT). Each XATTN block adds the same term with its own heads and, for T, the image
  latents every token attends to (`images_per_sequence * num_latents`; masked-out images cost as much as seen
  ones, since the scores are computed before masking).
"""
from __future__ import annotations

from dataclasses import dataclass

from pfutils.model.flamingo import Flamingo

# Dense (no 2:4 sparsity) bf16 tensor-core peak of an H100 SXM, from NVIDIA's data sheet; the H200 has the same
# compute die and the same figure (the often quoted 1979 TFLOPS assumes sparsity). An H100 PCIe peaks at 756e12.
H100_BF16_DENSE_PEAK_FLOPS = 989e12


def flops_per_token(n_params: int, n_layers: int, n_heads: int, head_dim: int, context_length: int) -> int:
    """nanoGPT's training FLOPs per token: 6N + 12 * L * H * Q * T."""
    return 6 * n_params + 12 * n_layers * n_heads * head_dim * context_length


def mfu(tokens_per_s: float, flops_per_token: float, peak_flops: float) -> float:
    """Model FLOPs utilisation: the share of the chip's peak (`peak_flops`, FLOPs/s) the counted FLOPs reach."""
    return tokens_per_s * flops_per_token / peak_flops


@dataclass(frozen=True)
class FlamingoFlops:
    """The counts behind a Flamingo's FLOPs per token (see the module docstring for what each includes)."""

    lm_params: int  # decoder layers, final norm, output head (no input-embedding table)
    lora_params: int
    xattn_params: int  # per-token parts of the XATTN blocks (no to_kv)
    per_image_params: int  # vision tower, perceiver, XATTN to_kv: not in N
    self_attention_flops: int  # 12 * L * H * Q * T of the LM
    cross_attention_flops: int  # 12 * blocks * heads * dim_head * latents attended

    @property
    def params_per_token(self) -> int:
        """N of the formula."""
        return self.lm_params + self.lora_params + self.xattn_params

    @property
    def flops_per_token(self) -> int:
        return 6 * self.params_per_token + self.self_attention_flops + self.cross_attention_flops


def _is_per_image(name: str) -> bool:
    return name.startswith(("vision_encoder.", "perceiver.")) or (
        name.startswith("gated_cross_attn_layers.") and ".attn.to_kv." in name
    )


def flamingo_flops(model: Flamingo, context_length: int, images_per_sequence: int = 1) -> FlamingoFlops:
    """FLOPs per training token of `model` on sequences of `context_length` tokens with that many images each,
    counted from its actual parameters (shared tensors once), LoRA included when attached."""
    lm = model.base_lm.config
    head_dim = getattr(lm, "head_dim", None) or lm.hidden_size // lm.num_attention_heads
    embedding = model.base_lm.get_input_embeddings().weight
    tied = embedding is model.base_lm.get_output_embeddings().weight
    counts = {"lm": 0, "lora": 0, "xattn": 0, "image": 0}
    for name, param in model.named_parameters():  # yields a shared tensor once
        if _is_per_image(name):
            counts["image"] += param.numel()
        elif name.startswith("gated_cross_attn_layers."):
            counts["xattn"] += param.numel()
        elif ".lora_" in name:
            counts["lora"] += param.numel()
        elif param is not embedding or tied:
            counts["lm"] += param.numel()
    xattn = model.config.xattn
    latents = images_per_sequence * model.config.perceiver.num_latents
    return FlamingoFlops(
        lm_params=counts["lm"],
        lora_params=counts["lora"],
        xattn_params=counts["xattn"],
        per_image_params=counts["image"],
        self_attention_flops=flops_per_token(0, lm.num_hidden_layers, lm.num_attention_heads, head_dim, context_length),
        cross_attention_flops=flops_per_token(0, len(model.gated_cross_attn_layers), xattn.heads, xattn.dim_head,
                                              latents),
    )
