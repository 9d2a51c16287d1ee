"""Building a Flamingo: from its config (names, local directories or inline configs), or from towers in memory.

`build_flamingo(config)` is what stages call; `assemble_flamingo(config, vision_encoder, lang_encoder, tokenizer)`
takes towers that were just trained (the tiny profile's CLIP and LM) or loaded elsewhere. Either way `config`
records where the towers come from, which is what `checkpoint.load_flamingo` reads back.
"""

import open_clip
import torch
from safetensors.torch import load_file
from torch import nn
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from pfutils.hub import hub_location
from pfutils.model.config import FlamingoConfig, LanguageModelConfig, VisionTowerConfig
from pfutils.model.device import runtime_device, runtime_dtype
from pfutils.model.flamingo import Flamingo
from pfutils.model.resolution import resize_tower
from pfutils.model.tokens import add_flamingo_tokens


def assign_tensors(targets: dict[str, torch.Tensor], loaded: dict[str, torch.Tensor], source: str) -> None:
    """Copies `loaded` into `targets` after checking that the names and shapes match exactly."""
    missing = sorted(set(targets) - set(loaded))
    unexpected = sorted(set(loaded) - set(targets))
    mis_shaped = [
        f"{name}: {tuple(loaded[name].shape)} in file, {tuple(targets[name].shape)} in model"
        for name in sorted(set(targets) & set(loaded))
        if loaded[name].shape != targets[name].shape
    ]
    if missing or unexpected or mis_shaped:
        raise ValueError(
            f"{source} does not match the model: missing {missing}, unexpected {unexpected}, shapes {mis_shaped}"
        )
    with torch.no_grad():
        for name, target in targets.items():
            target.copy_(loaded[name])


def vision_tower(config: VisionTowerConfig) -> nn.Module:
    """The open_clip VisionTransformer (`clip.visual`) of the configured CLIP, resized to `config.image_size` if
    that is set (before `weights` are loaded: they are saved from a resized tower); the text tower is dropped."""
    if config.name is not None:
        clip = open_clip.create_model(config.name, pretrained=config.pretrained)
    elif config.local_dir is not None:
        clip = open_clip.create_model(f"local-dir:{config.local_dir}", load_weights=config.weights is None)
    else:
        clip = open_clip.CLIP(**config.open_clip_cfg)
    if config.image_size is not None:
        try:
            resize_tower(clip.visual, config.image_size)
        except ValueError as error:
            raise ValueError(f"vision.image_size: {error}") from None
    if config.weights is not None:
        assign_tensors(clip.visual.state_dict(), load_file(config.weights), config.weights)
    return clip.visual


def language_model(config: LanguageModelConfig, dtype: torch.dtype | None = None) -> PreTrainedModel:
    """The causal LM: loaded by name or from a local directory (failing, unlike `from_pretrained`, when a weight
    is missing, unexpected or mis-shaped), or built with random weights from an inline LlamaConfig."""
    if config.name_or_path is None:
        return LlamaForCausalLM(LlamaConfig(**config.llama_config)).to(dtype=dtype)
    model, info = AutoModelForCausalLM.from_pretrained(hub_location(config.name_or_path), dtype=dtype,
                                                         output_loading_info=True)
    problems = {kind: sorted(info[kind]) for kind in ("missing_keys", "unexpected_keys", "mismatched_keys") if info[kind]}
    if problems:
        raise ValueError(f"{config.name_or_path} does not match its model class: {problems}")
    return model


def assemble_flamingo(
    config: FlamingoConfig, vision_encoder: nn.Module, lang_encoder: PreTrainedModel, tokenizer: PreTrainedTokenizerBase
) -> Flamingo:
    """A Flamingo around already-built towers, on the LM's device and dtype, in eval mode (as `from_pretrained`
    returns models) and with every parameter frozen: `trainable.set_trainable` picks what trains.

    The tokenizer gets `<image>`/`<|endofchunk|>` if it lacks them (the LM's embeddings grow to match). The
    perceiver and gated cross-attention are freshly initialised (gates at 0): seed torch first for a
    reproducible model.
    """
    media_token_id, eoc_token_id = add_flamingo_tokens(tokenizer, lang_encoder)
    model = Flamingo(vision_encoder, lang_encoder, media_token_id, eoc_token_id, config)
    model.requires_grad_(False)
    return model.to(device=lang_encoder.device, dtype=lang_encoder.dtype).eval()


def build_flamingo(
    config: FlamingoConfig,
    tokenizer: PreTrainedTokenizerBase | None = None,
    device: torch.device | None = None,
    dtype: torch.dtype | None = None,
) -> tuple[Flamingo, PreTrainedTokenizerBase]:
    """A Flamingo from its config, on `device` (default: cuda if present) in `dtype` (default: bf16 on cuda, fp32
    on cpu), and its tokenizer (the LM's own unless given; an inline LM config needs one given)."""
    device = torch.device(device) if device is not None else runtime_device()
    dtype = dtype or runtime_dtype(device)
    if tokenizer is None:
        if config.lm.name_or_path is None:
            raise ValueError("lm.llama_config builds an LM without a tokenizer: pass the tokenizer")
        tokenizer = AutoTokenizer.from_pretrained(hub_location(config.lm.name_or_path))
    lang_encoder = language_model(config.lm, dtype).to(device)
    return assemble_flamingo(config, vision_tower(config.vision), lang_encoder, tokenizer), tokenizer
