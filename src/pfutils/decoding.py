"""Decoding options of every generation stage (rewriting, evaluation), as one parameter section."""
from __future__ import annotations

from pydantic import Field

from .config import Section


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

    def generate_kwargs(self) -> dict:
        """Keyword arguments of `generate()`; sampling knobs only when sampling, beam knobs only with beams."""
        kwargs = {"max_new_tokens": self.max_new_tokens, "num_beams": self.num_beams, "do_sample": self.do_sample,
                  "no_repeat_ngram_size": self.no_repeat_ngram_size}
        if self.do_sample:
            kwargs.update(temperature=self.temperature, top_k=self.top_k, top_p=self.top_p)
        if self.num_beams > 1:
            kwargs["length_penalty"] = self.length_penalty
        return kwargs
