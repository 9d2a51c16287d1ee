"""The Flamingo: open_clip vision tower -> perceiver resampler -> gated cross-attention inside a Hugging Face LM.

The LM is left exactly as Hugging Face built it: same class, same module tree, same state-dict names, so a standard
peft adapter (e.g. Guanaco's LoRA) loads onto it unchanged. The gated cross-attention blocks live on this module
(`gated_cross_attn_layers.{i}`, i = index of the decoder layer they precede, as OpenFlamingo v1 names them) and
run through forward pre-hooks:

- a pre-hook on the LM's decoder stack reads each forward's `input_ids` and works out which image every token may
  attend to (`media.py`) when it reads a prompt, and keeps that for the cached decoding steps that follow;
- a pre-hook on every n-th decoder layer adds the gated cross-attention to that layer's input hidden states.

The image latents of the current call are held on this module: `forward` and `generate` set them and clear them
when they return (Hugging Face `generate()` rejects unknown keyword arguments, so they cannot be passed through).
Transformers checkpoints a decoder layer's `forward`, not its hooks, so gradient checkpointing never re-runs the
cross-attention after the latents are cleared. Call the Flamingo, not its `lang_encoder`: called alone, the LM
runs as on a text-only batch (cross-attention terms zero, gated FFNs still applied).
"""

from functools import partial

import torch
from peft import PeftModel
from torch import nn
from transformers import PreTrainedModel
from transformers.modeling_outputs import CausalLMOutputWithPast

from pfutils.model.config import FlamingoConfig
from pfutils.model.cross_attention import GatedCrossAttentionBlock
from pfutils.model.behaviour import behaviour
from pfutils.model.media import generated_tokens_mask, media_attention_mask
from pfutils.model.perceiver import PerceiverResampler


def cross_attention_layer_indices(num_layers: int, every_n: int) -> list[int]:
    """Decoder layers preceded by a gated cross-attention block: every n-th, counting from 1 (OpenFlamingo)."""
    indices = [i for i in range(num_layers) if (i + 1) % every_n == 0]
    if not indices:
        raise ValueError(f"cross_attn_every_n_layers={every_n} places no block in a {num_layers}-layer LM")
    return indices


def position_ids_from_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """Positions counted over real tokens only, as `generate()` does, so left padding does not shift them."""
    return (attention_mask.long().cumsum(-1) - 1).masked_fill(attention_mask == 0, 0)


class Flamingo(nn.Module):
    """OpenFlamingo-v1-style model; see the module docstring for how the LM is extended without being changed."""

    def __init__(
        self,
        vision_encoder: nn.Module,
        lang_encoder: PreTrainedModel,
        media_token_id: int,
        eoc_token_id: int,
        config: FlamingoConfig,
    ):
        """`vision_encoder` is an open_clip VisionTransformer (`clip.visual`); it is switched to also return its
        patch tokens (`output_tokens = True`), normed by `ln_post` or not as `config.behaviour` says (open_clip's
        `final_ln_after_pool` norms only the pooled token, as open_clip 2.x did), so do not reuse it as the image
        tower of a CLIP model afterwards."""
        super().__init__()
        if not hasattr(vision_encoder, "output_tokens") or getattr(vision_encoder, "attn_pool", None) is not None:
            raise TypeError("vision_encoder must be an open_clip VisionTransformer without attentional pooling")
        self.config = config
        self.behaviour = behaviour(config.behaviour)
        self.media_token_id = media_token_id
        self.eoc_token_id = eoc_token_id
        vision_encoder.output_tokens = True
        vision_encoder.final_ln_after_pool = self.behaviour.vision_tokens == "before_ln_post"
        self.vision_encoder = vision_encoder
        vis_dim = vision_encoder.transformer.width
        self.perceiver = PerceiverResampler(dim=vis_dim, **config.perceiver.model_dump())
        self.lang_encoder = lang_encoder
        decoder = lang_encoder.get_decoder()
        layers = decoder.layers
        indices = cross_attention_layer_indices(len(layers), config.cross_attn_every_n_layers)
        self.gated_cross_attn_layers = nn.ModuleDict(
            {
                str(i): GatedCrossAttentionBlock(
                    dim=lang_encoder.config.hidden_size, dim_visual=vis_dim, **config.xattn.model_dump()
                )
                for i in indices
            }
        )
        self._clear_media()
        decoder.register_forward_pre_hook(self._locate_media, with_kwargs=True)
        for i in indices:
            layers[i].register_forward_pre_hook(partial(self._cross_attend, self.gated_cross_attn_layers[str(i)]),
                                               with_kwargs=True)

    @property
    def base_lm(self) -> PreTrainedModel:
        """The Hugging Face LM itself, whether or not a peft adapter wraps it."""
        if isinstance(self.lang_encoder, PeftModel):
            return self.lang_encoder.get_base_model()
        return self.lang_encoder

    @property
    def image_size(self) -> tuple[int, int]:
        return tuple(self.vision_encoder.image_size)

    def media_latents(self, images: torch.Tensor, image_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Perceiver latents (B, N, num_latents, vis_dim) of images (B, N, 3, H, W); padded slots stay zero.

        `image_mask` (B, N) marks real images, which must come first in each row (default: all real).
        """
        return self._encode_images(images, self._present_images(images, image_mask))

    def _encode_images(self, images: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
        """Padded slots never go through the vision tower; it runs without gradients unless it is trained."""
        tower_param = next(self.vision_encoder.parameters())
        pixels = images[present].to(device=tower_param.device, dtype=tower_param.dtype)
        latents = self.perceiver.latents.new_zeros(*present.shape, *self.perceiver.latents.shape)
        if pixels.shape[0] == 0:
            return latents
        tower_trains = any(p.requires_grad for p in self.vision_encoder.parameters())
        with torch.set_grad_enabled(torch.is_grad_enabled() and tower_trains):
            _, tokens = self.vision_encoder(pixels)
        latents[present.to(latents.device)] = self.perceiver(tokens.to(latents.dtype))
        return latents

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        images: torch.Tensor | None = None,
        image_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> CausalLMOutputWithPast:
        """Logits and, with `labels`, the shifted cross-entropy (-100 ignored) of the LM.

        Position ids are computed from `attention_mask`, so left- and right-padded batches give every sample the
        logits it gets alone. `images=None` runs a text-only batch.
        """
        self._set_media(images, image_mask)
        position_ids = None if attention_mask is None else position_ids_from_mask(attention_mask)
        try:
            return self.lang_encoder(
                input_ids=input_ids,
                attention_mask=attention_mask,
                position_ids=position_ids,
                labels=labels,
                use_cache=False,
            )
        finally:
            self._clear_media()

    @torch.no_grad()
    def generate(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        images: torch.Tensor | None = None,
        image_mask: torch.Tensor | None = None,
        **generate_kwargs,
    ) -> torch.Tensor:
        """Hugging Face `generate()` (KV cache, any decoding options) with the images held for its forwards.

        Prompts must be LEFT-padded. Returns prompt + new tokens, as `generate()` does. Beam search and
        `num_return_sequences` repeat each prompt's rows; its latents follow. `<image>` is never generated (no
        image exists for it): it is added to `suppress_tokens`.
        """
        suppress = [*(generate_kwargs.pop("suppress_tokens", None) or []), self.media_token_id]
        self._set_media(images, image_mask)
        try:
            return self.lang_encoder.generate(
                input_ids=input_ids, attention_mask=attention_mask, suppress_tokens=suppress, **generate_kwargs
            )
        finally:
            self._clear_media()

    def _present_images(self, images: torch.Tensor, image_mask: torch.Tensor | None) -> torch.Tensor:
        """(B, N) bool of real image slots, checked to be each row's first slots."""
        if images.ndim != 5:
            raise ValueError(f"images must be (batch, images, 3, height, width), got shape {tuple(images.shape)}")
        batch, slots = images.shape[:2]
        if image_mask is None:
            return torch.ones(batch, slots, dtype=torch.bool, device=images.device)
        present = image_mask.to(device=images.device, dtype=torch.bool)
        if present.shape != (batch, slots):
            raise ValueError(f"image_mask must be (batch, images) = {(batch, slots)}, got {tuple(present.shape)}")
        first_slots = torch.arange(slots, device=images.device) < present.sum(dim=1, keepdim=True)
        if not torch.equal(present, first_slots):
            raise ValueError("image_mask must mark each sample's real images in its first slots")
        return present

    def _set_media(self, images: torch.Tensor | None, image_mask: torch.Tensor | None) -> None:
        self._clear_media()
        self._in_call = True
        if images is None:
            return
        present = self._present_images(images, image_mask)
        self._latents = self._encode_images(images, present)
        self._num_images = present.sum(dim=1).to(self._latents.device)

    def _clear_media(self) -> None:
        self._in_call = False  # inside `forward` or `generate` (the LM called alone runs as on text only)
        self._latents = None  # (B, N, n, d) latents of the current call's images, or None for text only
        self._num_images = None  # (B,) real images per sample
        self._row_latents = None  # the latents repeated for the rows the LM actually runs (beams, samples)
        self._row_num_images = None
        self._decoding_mask = None  # (rows, 1, N): the images a cached decoding step's tokens attend to
        self._media_mask = None  # (rows, T, N) for the tokens of the current forward
        self._media_keys_values = {}  # block -> its keys and values of the row latents, kept for decoding steps

    def _locate_media(self, decoder: nn.Module, args: tuple, kwargs: dict) -> None:
        """Pre-hook of the decoder stack: which image each token of this forward may attend to.

        The first decoder forward of a Flamingo call reads the whole prompt; any later one with a cache is a
        cached decoding step of `generate()`, whose new tokens are never `<image>` (it is suppressed), so they
        attend to what `media.generated_tokens_mask` says (without a cache, every forward reads it all again).
        Telling the two apart by this Python state, not by the cache's length (a tensor in a static cache), keeps
        the decoding step free of data-dependent branches, so a static cache's decoding step compiles into one
        graph. (A prompt read in several cached chunks, transformers' `prefill_chunk_size`, is not supported.)
        """
        input_ids = kwargs.get("input_ids", args[0] if args else None)
        if input_ids is None:
            raise ValueError("Flamingo needs input_ids (not inputs_embeds) to locate <image> tokens")
        cached_step = kwargs.get("cache", kwargs.get("past_key_values")) is not None
        if self._in_call and cached_step and self._decoding_mask is not None:
            self._media_mask = self._decoding_mask.expand(-1, input_ids.shape[1], -1)
            return
        rows = input_ids.shape[0]
        self._row_latents, self._row_num_images = self._media_for_rows(rows, input_ids.device)
        self._media_keys_values = {}
        num_slots = 0 if self._row_latents is None else self._row_latents.shape[1]
        masking = self.behaviour.masking
        self._media_mask = media_attention_mask(input_ids, self.media_token_id, masking, self._row_num_images,
                                                num_slots, self.config.only_attend_immediate_media)
        if self._in_call:
            self._decoding_mask = generated_tokens_mask(self._media_mask, masking)

    def _media_for_rows(self, rows: int, device: torch.device) -> tuple[torch.Tensor | None, torch.Tensor]:
        """The current latents for `rows` LM rows: `generate()` repeats each prompt consecutively (beams,
        returned sequences), so the latents are repeated the same way."""
        if self._latents is None:
            return None, torch.zeros(rows, dtype=torch.long, device=device)
        batch = self._latents.shape[0]
        if rows % batch:
            raise ValueError(f"the LM runs {rows} rows for a batch of {batch} samples with images")
        repeats = rows // batch
        return (
            self._latents.repeat_interleave(repeats, dim=0),
            self._num_images.to(device).repeat_interleave(repeats, dim=0),
        )

    def _cross_attend(self, block: GatedCrossAttentionBlock, layer: nn.Module, args: tuple, kwargs: dict
                      ) -> tuple[tuple, dict]:
        """Pre-hook of a decoder layer: its input hidden states go through the gated cross-attention first. The
        block's keys and values of the latents are computed at the forward that reads the prompt and reused by
        `generate()`'s cached decoding steps, whose latents are the same, so a decoding step projects only its new
        tokens (the same outputs; a sixth less generation time in the tiny profile's evaluation)."""
        keys_values = None
        if self._row_latents is not None:
            if block not in self._media_keys_values:
                self._media_keys_values[block] = block.attn.media_keys_values(self._row_latents)
            keys_values = self._media_keys_values[block]
        hidden = args[0] if args else kwargs["hidden_states"]
        hidden = block(hidden, self._row_latents, self._media_mask, keys_values)
        if args:
            return (hidden, *args[1:]), kwargs
        kwargs["hidden_states"] = hidden
        return args, kwargs
