"""Decoding options of every generation stage (rewriter evaluation, rewriting, evaluation), as one parameter section.

How tokens are chosen comes from a named `preset`; a search knob given in the same section overrides the
preset's value (e.g. `{preset: authors, num_beams: 1}`):

- greedy: one beam, no sampling, no n-gram blocking; deterministic.
- authors: the Polite Flamingo authors' inference helper (the paper states no decoding setting): beam search of
  3 with sampling, top_k 20, top_p 0.9, temperature 1.0, no_repeat_ngram_size 3, length_penalty 1.0. Their
  helper allowed up to 1024 new tokens; `max_new_tokens` is always the section's own.

`generate()` reads temperature, top_k and top_p only when sampling and length_penalty only with more than one
beam: a knob set here where it would be silently ignored (a temperature under greedy) fails at start-up naming
it, and so does sampling or beam search switched on by a key without the knobs it then needs; a preset's own
knobs that an override leaves unread are dropped. Sampling draws from torch's generator: stage 03 seeds it per
chunk, so a rerun or a resumed run draws the same.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .config import Section

PRESETS: dict[str, dict] = {
    "greedy": {"num_beams": 1, "do_sample": False, "no_repeat_ngram_size": 0},
    "authors": {"num_beams": 3, "do_sample": True, "temperature": 1.0, "top_k": 20, "top_p": 0.9,
                "no_repeat_ngram_size": 3, "length_penalty": 1.0},
}
SEARCH_KNOBS = ("num_beams", "do_sample", "temperature", "top_k", "top_p", "no_repeat_ngram_size", "length_penalty")
SAMPLING_KNOBS = ("temperature", "top_k", "top_p")
WHEN_READ = {**{knob: "sampling (do_sample: true)" for knob in SAMPLING_KNOBS},
             "length_penalty": "beam search (num_beams > 1)"}


def knobs_read(settings: dict) -> set[str]:
    """The search knobs `generate()` reads under `settings`: the sampling ones only when sampling,
    length_penalty only with beams."""
    reads = {"num_beams", "do_sample", "no_repeat_ngram_size"}
    if settings["do_sample"]:
        reads |= set(SAMPLING_KNOBS)
    if settings["num_beams"] > 1:
        reads.add("length_penalty")
    return reads


class Decoding(Section):
    preset: Literal["greedy", "authors"] = Field(
        description="named search settings (module docstring): greedy, or authors (the authors' inference helper)")
    max_new_tokens: int = Field(ge=1, le=8192)
    num_beams: int | None = Field(None, ge=1, le=64, description="overrides the preset's")
    do_sample: bool | None = Field(None, description="overrides the preset's")
    temperature: float | None = Field(None, gt=0, le=10, description="overrides the preset's; only when sampling")
    top_k: int | None = Field(None, ge=0, le=100_000, description="overrides the preset's; only when sampling")
    top_p: float | None = Field(None, gt=0, le=1, description="overrides the preset's; only when sampling")
    no_repeat_ngram_size: int | None = Field(None, ge=0, le=100, description="overrides the preset's")
    length_penalty: float | None = Field(None, ge=-10, le=10,
                                         description="overrides the preset's; only with num_beams > 1")
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

    @model_validator(mode="after")
    def _knobs_set_only_where_read(self):
        given, settings = self._given(), self._settings()
        reads = knobs_read(settings)
        for knob in given:
            if knob not in reads:
                raise ValueError(f"{knob}: only read with {WHEN_READ[knob]}, which these settings do not do")
        for knob in SEARCH_KNOBS:
            if knob in reads and knob not in settings:
                raise ValueError(f"{knob}: {WHEN_READ[knob]} needs it, and preset {self.preset} does not set it")
        return self

    def _given(self) -> dict:
        return {knob: getattr(self, knob) for knob in SEARCH_KNOBS if getattr(self, knob) is not None}

    def _settings(self) -> dict:
        """The preset's knobs, overridden by those set in this section."""
        return {**PRESETS[self.preset], **self._given()}

    def search(self) -> dict:
        """The search knobs `generate()` gets: the preset's, overridden by those set in this section, less the
        preset's knobs that the result does not read (the authors' top_k once `do_sample: false`)."""
        settings = self._settings()
        return {knob: value for knob, value in settings.items() if knob in knobs_read(settings)}

    def generate_kwargs(self) -> dict:
        """Keyword arguments of `generate()`: the length, the search knobs, the cache and its compilation."""
        kwargs = {"max_new_tokens": self.max_new_tokens, **self.search()}
        if self.cache == "static":
            kwargs["cache_implementation"] = "static"
        if self.compile:
            # One graph per decoding step shape: the batch is fixed and `generate_tokens` sizes the static cache
            # in buckets, so a whole stage compiles a handful of times at most.
            from .model.generation import decoding_compile_config  # runtime code: the schema loads without torch
            kwargs["compile_config"] = decoding_compile_config()
        return kwargs
