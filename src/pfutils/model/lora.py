"""LoRA on the LM's attention and FFN projections, through peft, kept in the standard adapter format.

The adapter wraps `model.lang_encoder` (a `PeftModelForCausalLM` around the unchanged Hugging Face LM), so an
adapter trained elsewhere on the same LM (e.g. Guanaco-7B's QLoRA, the paper's starting point) loads as is, and
ours load onto a bare LM with `PeftModel.from_pretrained`.
"""

from pathlib import Path

from peft import LoraConfig, PeftModel, get_peft_model

from pfutils.model.config import LoraSettings
from pfutils.model.flamingo import Flamingo


def lora_config(settings: LoraSettings) -> LoraConfig:
    return LoraConfig(
        r=settings.r,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=list(settings.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )


def has_lora(model: Flamingo) -> bool:
    """Whether the LM carries a LoRA adapter (the one a stage that trains LoRA continues)."""
    return isinstance(model.lang_encoder, PeftModel)


def add_lora(model: Flamingo, settings: LoraSettings) -> None:
    """Attaches a fresh LoRA adapter (B = 0, so the model's outputs are unchanged until it trains)."""
    if has_lora(model):
        raise ValueError("the LM already carries a LoRA adapter")
    model.lang_encoder = get_peft_model(model.lang_encoder, lora_config(settings))


def load_lora(model: Flamingo, adapter_dir: str | Path, trainable: bool = False) -> None:
    """Attaches a saved peft adapter directory (adapter_config.json + adapter_model.safetensors)."""
    if has_lora(model):
        raise ValueError("the LM already carries a LoRA adapter")
    model.lang_encoder = PeftModel.from_pretrained(model.lang_encoder, str(adapter_dir), is_trainable=trainable)

