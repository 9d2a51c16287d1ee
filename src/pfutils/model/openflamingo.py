"""Loading OpenFlamingo-v1-format weights: OpenFlamingo-9B and the original Polite/Clever Flamingo checkpoints.

OpenFlamingo v1 wraps every decoder layer in a `FlamingoLayer` and registers each gated cross-attention block
twice, so its state dicts use these names (ours on the right):

    perceiver.*                                               perceiver.*
    lang_encoder.gated_cross_attn_layers.{i}.*                gated_cross_attn_layers.{i}.*  (i: decoder layer)
    lang_encoder.model.layers.{i}.gated_cross_attn_layer.*    the same tensors again: checked equal, dropped
    lang_encoder.model.layers.{i}.decoder_layer.*             lang_encoder.model.layers.{i}.*
    lang_encoder.* (embed_tokens, norm, lm_head)              lang_encoder.*
    vision_encoder.visual.*                                   vision_encoder.*
    vision_encoder.* (CLIP's text tower)                      dropped: this model keeps only the vision tower
    ...rotary_emb.inv_freq (older transformers)               dropped: recomputed from the LM config

Released checkpoints hold only what was trained (perceiver, XATTN, input embeddings); everything else comes from
the towers' own weights. The perceiver and XATTN must all be present; any unknown key, or any tensor whose shape
differs from the model's (e.g. an embedding matrix of another vocabulary size), fails naming the keys.

Loaded weights compute what they computed in the released code only under `model.behaviour: openflamingo_v1`
(`pfutils.model.behaviour`: next-image masking, vision tokens before `ln_post`, BOS, the authors' prompt layout),
which the paper profile sets; tests/test_model_oracle.py checks logits and greedy generations against
`open-flamingo==0.0.2` itself.
"""

import re
from pathlib import Path

import torch
from huggingface_hub import hf_hub_download
from peft import PeftConfig, PeftModel
from safetensors.torch import load_file
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from pfutils.hub import hub_location, pinned_revision
from pfutils.model.build import build_flamingo
from pfutils.model.config import FlamingoConfig, LoraSettings
from pfutils.model.flamingo import Flamingo
from pfutils.model.lora import load_lora
from pfutils.prompts import END_OF_CHUNK, IMAGE_TOKEN

ROTARY = "rotary_emb.inv_freq"


def map_openflamingo_state_dict(
    state_dict: dict[str, torch.Tensor],
) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """(tensors under this model's names, {dropped v1 key: why}); unknown keys pass through unrenamed, so loading
    reports them as unexpected."""
    mapped: dict[str, torch.Tensor] = {}
    dropped: dict[str, str] = {}
    aliases: dict[str, tuple[str, torch.Tensor]] = {}
    for key, value in state_dict.items():
        key = key.removeprefix("module.")
        if key.endswith(ROTARY):
            dropped[key] = "rotary inverse frequencies are recomputed from the LM config"
        elif match := re.fullmatch(r"lang_encoder\.model\.layers\.(\d+)\.gated_cross_attn_layer\.(.+)", key):
            aliases[f"gated_cross_attn_layers.{match[1]}.{match[2]}"] = (key, value)
        elif match := re.fullmatch(r"lang_encoder\.gated_cross_attn_layers\.(\d+)\.(.+)", key):
            mapped[f"gated_cross_attn_layers.{match[1]}.{match[2]}"] = value
        elif match := re.fullmatch(r"lang_encoder\.model\.layers\.(\d+)\.decoder_layer\.(.+)", key):
            mapped[f"lang_encoder.model.layers.{match[1]}.{match[2]}"] = value
        elif key.startswith("vision_encoder.visual."):
            mapped["vision_encoder." + key.removeprefix("vision_encoder.visual.")] = value
        elif key.startswith("vision_encoder."):
            dropped[key] = "CLIP text tower: this model keeps only the vision tower"
        else:
            mapped[key] = value
    for name, (key, value) in aliases.items():
        if name not in mapped:
            mapped[name] = value
        elif not torch.equal(mapped[name], value):
            raise ValueError(f"{key} and lang_encoder.{name} should be the same tensor but differ")
        else:
            dropped[key] = f"second name of {name} in OpenFlamingo v1"
    return mapped, dropped


def load_openflamingo_state_dict(model: Flamingo, state_dict: dict[str, torch.Tensor]) -> dict:
    """Copies an OpenFlamingo-v1-format state dict into the model and reports what went where:
    {"loaded": [our names], "dropped": {v1 key: why}, "not_in_checkpoint": [our names left as they were]}.

    Load before attaching LoRA: the names are those of the bare LM.
    """
    if isinstance(model.lang_encoder, PeftModel):
        raise ValueError("load OpenFlamingo weights before attaching a LoRA adapter")
    mapped, dropped = map_openflamingo_state_dict(state_dict)
    targets = model.state_dict()
    required = {name for name in targets if name.startswith(("perceiver.", "gated_cross_attn_layers."))}
    missing = sorted(required - set(mapped))
    unexpected = sorted(set(mapped) - set(targets))
    mis_shaped = [
        f"{name}: {tuple(mapped[name].shape)} in checkpoint, {tuple(targets[name].shape)} in model"
        for name in sorted(set(mapped) & set(targets))
        if mapped[name].shape != targets[name].shape
    ]
    if missing or unexpected or mis_shaped:
        raise ValueError(
            f"OpenFlamingo state dict does not fit: missing {missing}, unexpected {unexpected}, shapes {mis_shaped}"
        )
    with torch.no_grad():
        for name, value in mapped.items():
            targets[name].copy_(value)
    return {"loaded": sorted(mapped), "dropped": dropped, "not_in_checkpoint": sorted(set(targets) - set(mapped))}


def load_openflamingo_checkpoint(model: Flamingo, path: str | Path) -> dict:
    """`load_openflamingo_state_dict` from a file: safetensors, or a `.pt` read with `weights_only=True` only
    (a training checkpoint's `model_state_dict` entry is used when present)."""
    path = Path(path)
    if path.suffix == ".safetensors":
        state_dict = load_file(path)
    else:
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
        state_dict = state_dict.get("model_state_dict", state_dict)
    return load_openflamingo_state_dict(model, state_dict)


def openflamingo_tokenizer(name_or_path: str) -> PreTrainedTokenizerBase:
    """The LM's tokenizer extended as OpenFlamingo extends it: `<|endofchunk|>` then `<image>`, then a `<PAD>`
    token if it has no pad token, so that ids and embedding rows line up with the checkpoint's (32000, 32001 and
    32002 for LLaMA). Extended in another order, the checkpoint's embeddings would land on the wrong tokens."""
    tokenizer = AutoTokenizer.from_pretrained(hub_location(name_or_path))
    tokenizer.add_special_tokens({"additional_special_tokens": [END_OF_CHUNK, IMAGE_TOKEN]})
    if tokenizer.pad_token is None:
        tokenizer.add_special_tokens({"pad_token": "<PAD>"})
    return tokenizer


def openflamingo_checkpoint_path(checkpoint: str, file: str) -> Path:
    """`checkpoint` if it is a local file, else `file` of the Hugging Face repo `checkpoint` (from the cache when
    it is there: stage 00b checks that first, `pfutils.preflight`), at the profile's pinned revision."""
    if Path(checkpoint).is_file():
        return Path(checkpoint)
    return Path(hf_hub_download(checkpoint, file, revision=pinned_revision(checkpoint)))


def openflamingo_base(config: FlamingoConfig, checkpoint: str | Path, device=None, dtype=None
                      ) -> tuple[Flamingo, PreTrainedTokenizerBase, dict]:
    """OpenFlamingo-9B as the paper's starting point: the towers `config` names (CLIP ViT-L-14 / openai and
    LLaMA-7B), the tokenizer extended as OpenFlamingo's, then the checkpoint's perceiver, XATTN and token
    embeddings. Returns (model, tokenizer, the load report of `load_openflamingo_checkpoint`)."""
    if config.lm.name_or_path is None:
        raise ValueError("model.lm.name_or_path must name the LM OpenFlamingo was trained on (e.g. LLaMA-7B)")
    tokenizer = openflamingo_tokenizer(config.lm.name_or_path)
    model, tokenizer = build_flamingo(config, tokenizer, device=device, dtype=dtype)
    return model, tokenizer, load_openflamingo_checkpoint(model, checkpoint)


def adapter_mismatches(adapter: PeftConfig, settings: LoraSettings) -> list[str]:
    """How a saved LoRA adapter's settings differ from `model.lora` (empty: it is the adapter those settings
    describe, so the stages that train LoRA can continue it)."""
    ours = {"r": settings.r, "alpha": settings.alpha, "target_modules": sorted(settings.target_modules)}
    theirs = {"r": adapter.r, "alpha": adapter.lora_alpha, "target_modules": sorted(adapter.target_modules or [])}
    return [f"model.lora.{key} is {ours[key]} but the adapter's is {theirs[key]}"
            for key in ours if ours[key] != theirs[key]]


def attach_start_adapter(model: Flamingo, adapter: str, settings: LoraSettings) -> PeftConfig:
    """Attaches the LoRA adapter the paper's LoRA stages start from (Guanaco-7B's QLoRA adapter on LLaMA-7B): a
    hub repo or a local directory in peft's format, frozen until a stage trains it. Fails naming the keys if its
    rank, alpha or target modules are not `model.lora`'s. Returns the adapter's config."""
    location = hub_location(adapter)
    config = PeftConfig.from_pretrained(location)
    mismatches = adapter_mismatches(config, settings)
    if mismatches:
        raise ValueError(f"base.openflamingo.lora_adapter {adapter} does not fit: " + "; ".join(mismatches))
    load_lora(model, location)
    return config
