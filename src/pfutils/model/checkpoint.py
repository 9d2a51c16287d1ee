"""Saving and loading a Flamingo as a self-describing directory (safetensors, peft adapter, JSON, model card).

Layout of a saved directory (written to a temporary sibling, then renamed into place):

    flamingo_config.json         FlamingoConfig, special-token ids, which optional parts are saved
    flamingo.safetensors         perceiver.*, gated_cross_attn_layers.*, and the LM's token embeddings
                                 (lang_encoder.model.embed_tokens.weight, lang_encoder.lm_head.weight unless tied)
    tokenizer/                   the tokenizer, special tokens included
    lora/                        peft adapter (adapter_config.json + adapter_model.safetensors), if attached
    lm/                          the whole LM (save_pretrained), only if saved with save_lm=True
    vision_encoder.safetensors   the vision tower's weights, only if saved with save_vision=True
    README.md                    model card: what, data, parameters

The token embeddings are always saved because `<image>` and `<|endofchunk|>` rows added to a pretrained LM are
random until trained (OpenFlamingo trains them). What is not saved is rebuilt from the config's sources; saving
refuses to drop a tower that was random or is being trained. A loaded model's config points its sources at the
loaded directory's `lm/` and `vision_encoder.safetensors`, so saving it again without them stays loadable while
that directory exists. Loading fails, naming the keys, on any missing, unexpected or mis-shaped tensor.
"""

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
from peft import PeftModel
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from pfutils.model.build import assemble_flamingo, assign_tensors, language_model, vision_tower
from pfutils.model.config import FlamingoConfig, LanguageModelConfig
from pfutils.model.device import runtime_device, runtime_dtype
from pfutils.model.flamingo import Flamingo
from pfutils.model.lora import load_lora
from pfutils.storage import replace_dir

CONFIG_FILE = "flamingo_config.json"
WEIGHTS_FILE = "flamingo.safetensors"
VISION_FILE = "vision_encoder.safetensors"
TOKENIZER_DIR = "tokenizer"
LORA_DIR = "lora"
LM_DIR = "lm"
CARD_FILE = "README.md"


def flamingo_tensors(model: Flamingo) -> dict[str, torch.Tensor]:
    """The weights a Flamingo adds to its towers, under the model's own state-dict names."""
    tensors = {
        name: param
        for name, param in model.named_parameters()
        if name.startswith(("perceiver.", "gated_cross_attn_layers."))
    }
    base = model.base_lm
    names = {id(param): name for name, param in base.named_parameters()}
    for embedding in (base.get_input_embeddings(), base.get_output_embeddings()):
        tensors[f"lang_encoder.{names[id(embedding.weight)]}"] = embedding.weight
    return tensors


def bare_lm_state_dict(model: Flamingo) -> dict[str, torch.Tensor]:
    """The LM's own state dict without any LoRA tensors, under its original names (peft renames a wrapped
    projection's weight to `...base_layer.weight`), so `lm/` is a plain Hugging Face model directory."""
    return {
        name.replace(".base_layer.", "."): tensor
        for name, tensor in model.base_lm.state_dict().items()
        if ".lora_" not in name
    }


def model_card(model: Flamingo, title: str, description: str, data: str, params: dict[str, Any], saved: dict) -> str:
    """README.md of a saved model: what it is, what it was trained on, with which parameters."""
    config = model.config

    def count(prefix: str) -> int:
        return sum(p.numel() for name, p in model.named_parameters() if name.startswith(prefix))

    lora = "none"
    if saved["lora"]:
        lora = f"LoRA r={config.lora.r}, alpha={config.lora.alpha} on {config.lora.target_modules}"
    lines = [
        f"# {title}",
        "",
        description,
        "",
        "## Model",
        "",
        f"- Vision tower (open_clip): {config.vision.model_dump(exclude_none=True)}, image size {model.image_size}, "
        f"{count('vision_encoder.'):,} parameters",
        f"- Perceiver resampler: {config.perceiver.model_dump()}, {count('perceiver.'):,} parameters",
        f"- Gated cross-attention before decoder layers {list(model.gated_cross_attn_layers.keys())}: "
        f"{config.xattn.model_dump()}, only_attend_immediate_media={config.only_attend_immediate_media}, "
        f"{count('gated_cross_attn_layers.'):,} parameters",
        f"- Language model: {config.lm.model_dump(exclude_none=True)}, {model.base_lm.num_parameters():,} parameters",
        f"- LoRA adapter: {lora}",
        f"- Behaviour (masking, vision tokens, BOS, prompt layout): {config.behaviour}",
        f"- Saved parts: {saved}",
        "",
        "## Data",
        "",
        data,
        "",
        "## Parameters",
        "",
        "```json",
        json.dumps(params, indent=2, sort_keys=True, default=str),
        "```",
        "",
    ]
    return "\n".join(lines)


def parts_needing_saving(model: Flamingo) -> dict[str, str]:
    """{"lm" / "vision_encoder": why} for towers whose weights the config's sources cannot give back: random
    from the start, or being trained (some parameter requires grad; LoRA and token embeddings are saved anyway)."""
    config = model.config
    base = model.base_lm
    embeddings = {id(base.get_input_embeddings().weight), id(base.get_output_embeddings().weight)}
    lm_trains = any(
        p.requires_grad for n, p in base.named_parameters() if ".lora_" not in n and id(p) not in embeddings
    )
    reasons = {}
    if config.lm.llama_config is not None:
        reasons["lm"] = "built with random weights from lm.llama_config: save_lm=True"
    elif lm_trains:
        reasons["lm"] = "its parameters are being trained: save_lm=True"
    if config.vision.random_weights:
        reasons["vision_encoder"] = "built with random weights: save_vision=True"
    elif any(p.requires_grad for p in model.vision_encoder.parameters()):
        reasons["vision_encoder"] = "its parameters are being trained: save_vision=True"
    return reasons


def save_flamingo(
    model: Flamingo,
    directory: str | Path,
    tokenizer: PreTrainedTokenizerBase,
    *,
    title: str,
    description: str,
    data: str,
    params: dict[str, Any],
    save_lm: bool = False,
    save_vision: bool = False,
) -> Path:
    """Writes the directory described in the module docstring; `save_lm`/`save_vision` when those were trained."""
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    has_lora = isinstance(model.lang_encoder, PeftModel)
    saving = {"lm": save_lm, "vision_encoder": save_vision}
    lost = [f"{part}: {why}" for part, why in parts_needing_saving(model).items() if not saving[part]]
    for part, source in (("lm", model.config.lm.name_or_path), ("vision_encoder", model.config.vision.weights)):
        if source and not saving[part] and Path(source).resolve().is_relative_to(target.resolve()):
            lost.append(f"{part}: its source {source} is inside {target}, which this save replaces")
    if lost:
        raise ValueError(f"these weights would be lost: {lost}")
    saved = {"lora": has_lora, **saving}
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the saved model is an ordinary artifact
    try:
        tensors = {name: t.detach().contiguous() for name, t in flamingo_tensors(model).items()}
        save_file(tensors, staging / WEIGHTS_FILE)
        tokenizer.save_pretrained(staging / TOKENIZER_DIR)
        if has_lora:
            model.lang_encoder.save_pretrained(staging / LORA_DIR, save_embedding_layers=False)
        if save_lm:
            model.base_lm.save_pretrained(staging / LM_DIR, state_dict=bare_lm_state_dict(model))
        if save_vision:
            vision = {name: t.detach().contiguous() for name, t in model.vision_encoder.state_dict().items()}
            save_file(vision, staging / VISION_FILE)
        header = {
            "flamingo": model.config.model_dump(),
            "media_token_id": model.media_token_id,
            "eoc_token_id": model.eoc_token_id,
            "saved": saved,
        }
        (staging / CONFIG_FILE).write_text(json.dumps(header, indent=2) + "\n")
        (staging / CARD_FILE).write_text(model_card(model, title, description, data, params, saved))
        replace_dir(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def load_flamingo(
    directory: str | Path, device: torch.device | None = None, dtype: torch.dtype | None = None,
    merge_lora: bool = False,
) -> tuple[Flamingo, PreTrainedTokenizerBase]:
    """(model in eval mode, tokenizer) from a directory written by `save_flamingo`.

    Parts not saved come from the config's sources (a name is fetched from its hub unless cached; the LoRA
    adapter, when present, is attached frozen: `trainable.set_trainable(model, "lora")` unfreezes it).
    With `merge_lora` (for inference only), the adapter is folded into the LM's weights (peft's
    `merge_and_unload`): each projection then runs one matmul instead of three and a dropout, which makes decoding
    a small model about a fifth faster; the model can no longer train or save the adapter.
    """
    directory = Path(directory)
    header = json.loads((directory / CONFIG_FILE).read_text())
    config = FlamingoConfig.model_validate(header["flamingo"])
    saved = header["saved"]
    device = torch.device(device) if device is not None else runtime_device()
    dtype = dtype or runtime_dtype(device)
    for part, path in (("lora", LORA_DIR), ("lm", LM_DIR), ("vision_encoder", VISION_FILE)):
        if saved[part] and not (directory / path).exists():
            raise FileNotFoundError(f"{directory} says its {part} is saved, but {path} is missing")
    if saved["lm"]:
        config.lm = LanguageModelConfig(name_or_path=str((directory / LM_DIR).resolve()))
    if saved["vision_encoder"]:
        update = {"weights": str((directory / VISION_FILE).resolve()), "pretrained": None}
        config.vision = config.vision.model_copy(update=update)
    tokenizer = AutoTokenizer.from_pretrained(directory / TOKENIZER_DIR)
    lang_encoder = language_model(config.lm, dtype).to(device)
    tower = vision_tower(config.vision)
    model = assemble_flamingo(config, tower, lang_encoder, tokenizer)
    if (model.media_token_id, model.eoc_token_id) != (header["media_token_id"], header["eoc_token_id"]):
        raise ValueError(f"{directory}: special-token ids differ between the saved tokenizer and the config")
    assign_tensors(flamingo_tensors(model), load_file(directory / WEIGHTS_FILE), str(directory / WEIGHTS_FILE))
    if saved["lora"]:
        load_lora(model, directory / LORA_DIR)
        if merge_lora:
            model.lang_encoder = model.lang_encoder.merge_and_unload()
    return model.eval(), tokenizer
