"""The `hf` backend: the paper's politeness judge, OpenAssistant's reward-model-deberta-v3-large-v2.

Used as its model card shows: the tokenizer encodes (question, answer) as a text pair
(`[CLS] question [SEP] answer [SEP]`), and the reward is the single logit, `logits[0]` of a one-pair batch,
`logits[:, 0]` of a batch. Any sequence classifier with one output loads the same way. The model runs in fp32
on every device: rewards are compared pair by pair for win rates, and bf16 rounding would create false ties.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from ..hub import hub_location
from ..model.device import runtime_device
from .scorer import scores_in_batches

OPENASSISTANT_REWARD_MODEL = "OpenAssistant/reward-model-deberta-v3-large-v2"


class HfRewardModel:
    """Scores with a Hugging Face sequence classifier of one output on (instruction, response) text pairs.

    Pairs longer than `max_length` tokens are truncated, the longer text first (the tokenizer's
    "longest_first"); by default `max_length` is the model's `max_position_embeddings` (512 for DeBERTa-v3).
    """

    def __init__(self, model, tokenizer, batch_size: int = 32, max_length: int | None = None):
        if model.config.num_labels != 1:
            raise ValueError(f"a reward model has one output (num_labels=1), got num_labels={model.config.num_labels}")
        if batch_size < 1:
            raise ValueError(f"reward.batch_size must be >= 1, got {batch_size}")
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.max_length = max_length or model.config.max_position_embeddings

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path = OPENASSISTANT_REWARD_MODEL, batch_size: int = 32,
                        max_length: int | None = None, device: str | None = None) -> "HfRewardModel":
        location = hub_location(str(name_or_path))  # the profile's pinned revision of a hub model
        model = AutoModelForSequenceClassification.from_pretrained(location, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(location)
        return cls(model.to(device or runtime_device()), tokenizer, batch_size, max_length)

    def encode(self, instructions: list[str], responses: list[str]):
        """The padded batch the model reads: each instruction and its response as one text pair."""
        return self.tokenizer(instructions, responses, padding=True, truncation=True, max_length=self.max_length,
                              return_tensors="pt").to(self.model.device)

    @torch.no_grad()
    def score_batch(self, instructions: list[str], responses: list[str]) -> list[float]:
        return self.model(**self.encode(instructions, responses)).logits[:, 0].float().tolist()

    def score(self, instructions: Sequence[str], responses: Sequence[str]) -> list[float]:
        return scores_in_batches(self.score_batch, instructions, responses, self.batch_size)
