"""The `reward` section of params: which reward model scores politeness, and how the tiny profile trains its own.

Same conventions as `pfutils.params`: unknown keys fail, every number is bounded. The section is defined here,
not in `pfutils.params`, so the reward code and its parameters read together; `pfutils.params` can nest it.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..config import Section
from .pairs import STYLES

# The styles of `pairs.STYLES`, spelled out so pydantic names the allowed values in its messages (a test keeps
# the two equal).
Style = Literal["answer", "caption", "emulator", "augment", "lowercase", "no_punctuation"]


class RewardPairs(Section):
    """How preference pairs are built from polite records and split by prompt (see `pfutils.reward.pairs`)."""
    styles: tuple[Style, ...] = STYLES
    per_chosen: int = Field(3, ge=1, le=len(STYLES))  # rejected variants per polite response, at most
    heldout_share: float = Field(0.25, gt=0.0, lt=1.0)  # share of distinct prompts held out for accuracy
    # styles of `styles` never trained on: the held-out prompts' pairs in them measure whether the model prefers
    # polite responses over raw styles it was never shown (the paper's raw annotations are `answer` and `caption`)
    unseen_styles: tuple[Style, ...] = ()

    @field_validator("styles")
    @classmethod
    def _distinct(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v or len(set(v)) != len(v):
            raise ValueError(f"must list distinct styles, at least one, of {STYLES}; got {list(v)}")
        return v

    @model_validator(mode="after")
    def _unseen_among_styles(self):
        outside = [s for s in self.unseen_styles if s not in self.styles]
        if outside or len(set(self.unseen_styles)) != len(self.unseen_styles):
            raise ValueError(f"unseen_styles must name distinct styles of `styles` {list(self.styles)}; got "
                             f"{list(self.unseen_styles)}")
        if not self.trained_styles:
            raise ValueError("unseen_styles leaves no style to train on")
        return self

    @property
    def trained_styles(self) -> tuple[str, ...]:
        return tuple(s for s in self.styles if s not in self.unseen_styles)


class Backbone(Section):
    """Shape of a backbone built from scratch, used when no base LM directory is given (the base LM's size)."""
    hidden_size: int = Field(128, ge=8, le=16384)
    layers: int = Field(4, ge=1, le=256)
    heads: int = Field(4, ge=1, le=256)
    intermediate_size: int = Field(384, ge=8, le=65536)


class RewardTraining(Section):
    """Bradley-Terry training of the `trained` backend; a step sees `batch_size` pairs (2 x batch_size texts)."""
    epochs: int = Field(1, ge=1, le=1000)
    lr: float = Field(5e-4, gt=0.0, le=1.0)
    warmup_steps: int = Field(5, ge=0, le=1_000_000)
    weight_decay: float = Field(0.0, ge=0.0, le=1.0)
    batch_size: int = Field(16, ge=1, le=4096)
    max_length: int = Field(256, ge=8, le=32768)  # tokens of "### Human: ... ### Assistant: ...</s>", cut at the right


class RewardParams(Section):
    """The reward model every politeness number comes from (Figures 6, 8, 9; the PF-1M `reward` field).

    `backend: hf` loads `model` (a hub name or a local directory) as the paper's OpenAssistant DeBERTa does;
    `backend: trained` loads the tiny profile's model from the directory `model`, which the training stage
    writes, its backbone and tokenizer started from `base_lm` (a causal LM directory: reward models are
    fine-tuned LMs, as OpenAssistant's are). `max_length` (scoring) defaults to the model's own limit.
    """
    backend: Literal["hf", "trained"]
    model: str = Field(min_length=1)
    batch_size: int = Field(32, ge=1, le=4096)
    max_length: int | None = Field(None, ge=8, le=32768)
    base_lm: str = ""
    pairs: RewardPairs = RewardPairs()
    training: RewardTraining = RewardTraining()
