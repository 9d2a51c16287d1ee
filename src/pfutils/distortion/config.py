"""The `distortion` section of params: which polite sources are distorted, how, and with which LLM backend."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ..config import Section
from .mix import STRATEGIES


class LlmBackend(Section):
    """LLM-instructed distortion: `hf` runs a causal LM (paper: Guanaco-33B); `emulator` the tiny stand-in."""
    backend: Literal["hf", "emulator"]
    model: str = Field(description="hub name or local directory of the `hf` LM; ignored by the emulator")
    p_command: float = Field(ge=0, le=1, description="chance one of the 24 commands is put in the prompt")
    batch_size: int = Field(ge=1, le=4096)
    max_new_tokens: int = Field(ge=1, le=8192)
    p_bare_answer: float = Field(0.5, ge=0, le=1, description="emulator only: chance an answer to a question is "
                                                             "compressed to the bare answer (yes, large, three)")
    p_digits: float = Field(0.5, ge=0, le=1, description="emulator only: chance a bare number is written in digits")

    def options(self) -> dict:
        """Keyword arguments of `llm_distorter` for this backend."""
        if self.backend == "emulator":
            return {"p_command": self.p_command, "p_bare_answer": self.p_bare_answer, "p_digits": self.p_digits}
        return {"model": self.model, "p_command": self.p_command, "batch_size": self.batch_size,
                "max_new_tokens": self.max_new_tokens}


class DistortionParams(Section):
    sources: tuple[str, ...] = Field(min_length=1, description="polite source datasets to distort")
    multimodal_weights: dict[str, float] = Field(description="llm : augment : boxes for samples with images")
    llm: LlmBackend
    chunk_size: int = Field(ge=1, le=1_000_000, description="LLM drafts per resumable chunk")
    processes: int = Field(ge=1, le=1024, description="processes sharing the LLM chunks, each with its own copy of "
                                                      "the LLM spread over its share of the node's GPUs")

    @field_validator("multimodal_weights")
    @classmethod
    def _strategies(cls, v: dict) -> dict:
        unknown = set(v) - set(STRATEGIES)
        if unknown:
            raise ValueError(f"unknown strategies {sorted(unknown)}; allowed {list(STRATEGIES)}")
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError(f"weights must be >= 0 with a positive sum, got {v}")
        return v
