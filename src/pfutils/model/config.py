"""Typed configuration of the Flamingo: where its two towers come from, its own architecture, its LoRA settings.

It is embedded in the project's params schema, so a wrong value fails at once with a message naming its key
(pydantic reports the dotted location, e.g. `perceiver.depth`). Defaults are OpenFlamingo-9B v1's architecture
and the Guanaco-7B LoRA (r=64, alpha=16, dropout=0.1) the paper starts from; the tiny profile overrides sizes.
"""

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pfutils.model.behaviour import BehaviourName

LLAMA_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


class VisionTowerConfig(BaseModel):
    """Where the open_clip vision tower comes from: exactly one of `name`, `local_dir`, `open_clip_cfg` gives the
    architecture (and weights), `weights` optionally replaces the weights (a trained tower saved with a model)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="open_clip built-in model name, e.g. 'ViT-L-14-336'")
    pretrained: str | None = Field(
        None, description="with `name`: open_clip pretrained tag (e.g. 'openai') or a weights file; None = random"
    )
    local_dir: str | None = Field(
        None, description="open_clip local directory: open_clip_config.json (model_cfg, preprocess_cfg) + weights"
    )
    open_clip_cfg: dict[str, Any] | None = Field(
        None, description="inline open_clip model config (embed_dim, vision_cfg, text_cfg); random weights"
    )
    weights: str | None = Field(
        None, description="safetensors file of the vision tower's own weights (at `image_size`, if that is set)"
    )
    image_size: int | None = Field(
        None, ge=1, le=4096,
        description="input resolution the tower is built at; its position embeddings are interpolated from the "
                    "configured tower's grid; None: the tower's own",
    )

    @model_validator(mode="after")
    def _exactly_one_source(self) -> "VisionTowerConfig":
        sources = [key for key in ("name", "local_dir", "open_clip_cfg") if getattr(self, key) is not None]
        if len(sources) != 1:
            raise ValueError(f"set exactly one of name, local_dir, open_clip_cfg (got: {sources or 'none'})")
        if self.pretrained is not None and (self.name is None or self.weights is not None):
            raise ValueError("pretrained is only read together with name, and not with weights")
        return self

    @model_validator(mode="after")
    def _image_size_on_patches(self) -> "VisionTowerConfig":
        """A size the patches do not tile fails when params are checked, not hours into a stage, wherever the config
        says the patch size; `resolution.resize_tower` checks the built tower in any case."""
        if self.image_size is None:
            return self
        patch = self.declared_patch_size()
        if patch and self.image_size % patch:
            raise ValueError(f"image_size: {self.image_size} is not a multiple of the tower's patch size {patch}")
        return self

    def declared_patch_size(self) -> int | None:
        """The tower's patch size as its config declares it, without building it: the inline config, open_clip's
        bundled config of `name`, or `local_dir`'s open_clip_config.json. None where none says (a timm tower, a
        hub-only name, a directory not made yet)."""
        if self.open_clip_cfg is not None:
            model_cfg = self.open_clip_cfg
        elif self.name is not None:
            import open_clip  # heavy (torch): only when a name is to be looked up

            model_cfg = open_clip.get_model_config(self.name) or {}
        else:
            path = Path(self.local_dir) / "open_clip_config.json"
            model_cfg = json.loads(path.read_text()).get("model_cfg", {}) if path.is_file() else {}
        patch = model_cfg.get("vision_cfg", {}).get("patch_size")
        return patch if isinstance(patch, int) else None

    @property
    def random_weights(self) -> bool:
        """Whether the tower built from this config starts from random weights (nothing to reload it from)."""
        return self.weights is None and (self.open_clip_cfg is not None or (self.name and self.pretrained is None))


class LanguageModelConfig(BaseModel):
    """Where the LLaMA-architecture causal LM comes from: exactly one of `name_or_path`, `llama_config`."""

    model_config = ConfigDict(extra="forbid")

    name_or_path: str | None = Field(None, description="Hugging Face model name or local directory")
    llama_config: dict[str, Any] | None = Field(None, description="inline LlamaConfig arguments; random weights")

    @model_validator(mode="after")
    def _exactly_one_source(self) -> "LanguageModelConfig":
        if (self.name_or_path is None) == (self.llama_config is None):
            raise ValueError("set exactly one of name_or_path, llama_config")
        return self


class PerceiverConfig(BaseModel):
    """Perceiver resampler: turns each image's patch tokens into `num_latents` latents (OpenFlamingo v1 sizes)."""

    model_config = ConfigDict(extra="forbid")

    depth: int = Field(6, ge=1, le=48)
    num_latents: int = Field(64, ge=1, le=1024)
    heads: int = Field(8, ge=1, le=128)
    dim_head: int = Field(64, ge=1, le=1024)
    ff_mult: int = Field(4, ge=1, le=16)


class CrossAttentionConfig(BaseModel):
    """Gated cross-attention blocks placed before every n-th decoder layer of the LM."""

    model_config = ConfigDict(extra="forbid")

    heads: int = Field(8, ge=1, le=128)
    dim_head: int = Field(64, ge=1, le=1024)
    ff_mult: int = Field(4, ge=1, le=16)


class LoraSettings(BaseModel):
    """LoRA on the LM's attention and FFN projections, applied through peft when a stage attaches it."""

    model_config = ConfigDict(extra="forbid")

    r: int = Field(64, ge=1, le=1024)
    alpha: float = Field(16.0, gt=0, le=4096)
    dropout: float = Field(0.1, ge=0, lt=1)
    target_modules: list[str] = Field(default_factory=lambda: list(LLAMA_PROJECTIONS), min_length=1)


class FlamingoConfig(BaseModel):
    """The whole model: towers, perceiver, gated cross-attention placement and masking, LoRA settings."""

    model_config = ConfigDict(extra="forbid")

    vision: VisionTowerConfig
    lm: LanguageModelConfig
    cross_attn_every_n_layers: int = Field(4, ge=1, le=256)
    perceiver: PerceiverConfig = Field(default_factory=PerceiverConfig)
    xattn: CrossAttentionConfig = Field(default_factory=CrossAttentionConfig)
    only_attend_immediate_media: bool = Field(
        True, description="a token attends only to the one image its masking rule names (else to all up to it)"
    )
    behaviour: BehaviourName = Field(
        "latest_preceding", description="media layout, masking, vision-token source and BOS (pfutils.model.behaviour):"
                                        " openflamingo_v1 computes what OpenFlamingo-9B and the authors' code did")
    lora: LoraSettings = Field(default_factory=LoraSettings)
