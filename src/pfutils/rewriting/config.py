"""The `rewriter` section of params: Polite Flamingo's prompt template, training and evaluation."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..config import Section
from ..decoding import Decoding
from ..training.config import TrainConfig


class RewriterEval(Section):
    pairs: int = Field(ge=1, le=1_000_000, description="held-out distorted pairs rewritten for evaluation")
    vqa_datasets: tuple[str, ...] = Field(min_length=1, description="raw VQA sources whose val answers are rewritten")
    vqa_per_dataset: int = Field(ge=1, le=1_000_000)


class RewriterParams(Section):
    template: Literal["paper", "authors_code"]
    train: TrainConfig
    eval: RewriterEval
    decoding: Decoding


class RewritingParams(Section):
    """Stage 03: which raw datasets Polite Flamingo rewrites, in what chunks, with what decoding."""
    datasets: tuple[str, ...] = Field(min_length=1)
    val_datasets: tuple[str, ...] = Field(description="datasets whose val split is rewritten too (for the CLIPScore "
                                                      "threshold chosen on validation)")
    chunk_size: int = Field(ge=1, le=1_000_000, description="samples per resumable chunk of one process")
    max_prompt_tokens: int = Field(ge=8, le=1_000_000, description="longer inputs are rejected")
    decoding: Decoding
