"""Named trainable sets: which parameters each training stage of the paper updates.

`set_trainable(model, "perceiver_xattn")` freezes everything, unfreezes exactly that set and returns the parameter
names, so an optimizer built from `requires_grad` parameters gets exactly those. Sets combine with `+`
(`perceiver_xattn+vit`, `perceiver_xattn+lora`: the stage-2 ablations of Figure 9).

- `lora`: the LM's LoRA adapter (Polite Flamingo; Clever Flamingo stages 1 and 3).
- `perceiver_xattn`: the perceiver and the cross-attention of the XATTN blocks including `attn_gate` (stage 2:
  "unfreezing XATTN" means the cross-attention weights only; the XATTN FFN and `ff_gate` stay frozen).
- `flamingo_pretrain`: the perceiver and whole XATTN blocks, FFN included: how OpenFlamingo itself is trained
  with frozen ViT and LM (the tiny profile's OpenFlamingo analogue).
- `vit`: the vision tower. `embeddings`: the LM's input and output token embeddings.
- `input_embeddings`: the LM's input token embeddings only, which OpenFlamingo v1 trains (they hold the new
  `<image>` and `<|endofchunk|>` rows). Table 4's 0.29B trainable parameters of the paper's LoRA stages are
  `lora+input_embeddings` on LLaMA-7B (0.16B + 0.13B); stage 2's 0.1B is `perceiver_xattn`.
"""

from pfutils.model.flamingo import Flamingo


def _is_xattn(name: str) -> bool:
    return name.startswith("gated_cross_attn_layers.") and (".attn." in name or name.endswith(".attn_gate"))


def _is_xattn_ffn(name: str) -> bool:
    return name.startswith("gated_cross_attn_layers.") and (".ff." in name or name.endswith(".ff_gate"))


def _is_lora(name: str) -> bool:
    return name.startswith("lang_encoder.") and ".lora_" in name


PART_SELECTORS = {
    "lora": _is_lora,
    "perceiver": lambda name: name.startswith("perceiver."),
    "xattn": _is_xattn,
    "xattn_ffn": _is_xattn_ffn,
    "vit": lambda name: name.startswith("vision_encoder."),
}


def _part_names(model: Flamingo, part: str) -> set[str]:
    if part in ("embeddings", "input_embeddings"):
        base = model.base_lm
        embeddings = {id(base.get_input_embeddings().weight)}
        if part == "embeddings":
            embeddings.add(id(base.get_output_embeddings().weight))
        return {name for name, param in model.named_parameters() if id(param) in embeddings}
    found = {name for name, _ in model.named_parameters() if PART_SELECTORS[part](name)}
    if part == "lora" and not found:
        raise ValueError("trainable set 'lora' needs a LoRA adapter on the LM: call add_lora or load_lora first")
    return found


TRAINABLE_SETS = {
    "lora": ("lora",),
    "perceiver_xattn": ("perceiver", "xattn"),
    "flamingo_pretrain": ("perceiver", "xattn", "xattn_ffn"),
    "vit": ("vit",),
    "embeddings": ("embeddings",),
    "input_embeddings": ("input_embeddings",),
}


def trainable_parameter_names(model: Flamingo, trainable: str) -> list[str]:
    """Names of the parameters in a set such as 'perceiver_xattn+vit' (sorted)."""
    names: set[str] = set()
    for set_name in trainable.split("+"):
        if set_name not in TRAINABLE_SETS:
            raise ValueError(f"unknown trainable set {set_name!r} in {trainable!r}; allowed: {sorted(TRAINABLE_SETS)}")
        for part in TRAINABLE_SETS[set_name]:
            names |= _part_names(model, part)
    return sorted(names)


def set_trainable(model: Flamingo, trainable: str) -> list[str]:
    """Freezes every parameter, unfreezes exactly the named set, returns the unfrozen parameters' names."""
    names = trainable_parameter_names(model, trainable)
    unfrozen = set(names)
    for name, param in model.named_parameters():
        param.requires_grad_(name in unfrozen)
    return names
