"""Decoding options of every generation stage (rewriting, evaluation), as one parameter section."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .config import Section
from .model.generation import decoding_compile_config


class Decoding(Section):
    max_new_tokens: int = Field(ge=1, le=8192)
    num_beams: int = Field(ge=1, le=64)
    do_sample: bool
    temperature: float = Field(gt=0, le=10)
    top_k: int = Field(ge=0, le=100_000)
    top_p: float = Field(gt=0, le=1)
    no_repeat_ngram_size: int = Field(ge=0, le=100)
    length_penalty: float = Field(ge=-10, le=10)
    batch_size: int = Field(ge=1, le=65_536, description="prompts per generate() call")
    cache: Literal["dynamic", "static"] = Field(
        description="KV cache: dynamic grows by concatenation; static is preallocated (what `compile` needs)")
    compile: bool = Field(description="compile the decoding step into CUDA graphs (torch.compile, "
                                      "reduce-overhead); needs cache: static; transformers compiles on CUDA only")

    @model_validator(mode="after")
    def _compile_needs_a_static_cache(self):
        if self.compile and self.cache != "static":
            raise ValueError("compile: true needs cache: static (a growing cache changes shape at every step)")
        return self

    def generate_kwargs(self) -> dict:
        """Keyword arguments of `generate()`; sampling knobs only when sampling, beam knobs only with beams."""
        kwargs = {"max_new_tokens": self.max_new_tokens, "num_beams": self.num_beams, "do_sample": self.do_sample,
                  "no_repeat_ngram_size": self.no_repeat_ngram_size}
        if self.do_sample:
            kwargs.update(temperature=self.temperature, top_k=self.top_k, top_p=self.top_p)
        if self.num_beams > 1:
            kwargs["length_penalty"] = self.length_penalty
        if self.cache == "static":
            kwargs["cache_implementation"] = "static"
        if self.compile:
            # One graph per decoding step shape: the batch is fixed and `generate_tokens` sizes the static cache
            # in buckets, so a whole stage compiles a handful of times at most.
            kwargs["compile_config"] = decoding_compile_config()
        return kwargs
