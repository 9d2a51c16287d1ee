"""The Flamingo model: OpenFlamingo-v1 architecture around any Hugging Face LLaMA-architecture causal LM.

Modules: config (FlamingoConfig), perceiver, cross_attention, media (which image a token attends to), flamingo
(the model), tokens, build, lora, trainable, checkpoint, openflamingo (v1 weights), images (preprocessing),
resolution (a vision tower at another input size), device, generation, compile (regional compilation for
training), bench.
"""

from pfutils.model.build import assemble_flamingo, build_flamingo
from pfutils.model.checkpoint import load_flamingo, save_flamingo
from pfutils.model.config import FlamingoConfig
from pfutils.model.flamingo import Flamingo
from pfutils.model.lora import add_lora, load_lora
from pfutils.model.trainable import set_trainable

__all__ = [
    "Flamingo",
    "FlamingoConfig",
    "add_lora",
    "assemble_flamingo",
    "build_flamingo",
    "load_flamingo",
    "load_lora",
    "save_flamingo",
    "set_trainable",
]
