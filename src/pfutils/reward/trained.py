"""The `trained` backend: the tiny profile's reward model, a small LLaMA-architecture LM with a scalar head.

OpenAssistant's reward models are pretrained LMs fine-tuned to put a preference score on (question, answer);
this one is the tiny base LM (or a backbone of its size) fine-tuned the same way (`training.py`). It reads one
sequence, the chat turn the project's models answer in, closed by EOS:

    ### Human: {instruction}\n### Assistant: {response}</s>

and the reward is the scalar head's output at that EOS, the last token that is not padding
(`LlamaForSequenceClassification` pools there). Sequences are right-padded, so every position id is what an
unpadded sequence would get and a pair scores the same alone as in any batch. A sequence over `max_length` tokens
loses the end of its response but keeps the EOS.

A saved model is a directory: the classifier (`save_pretrained`, safetensors), its tokenizer, `reward.json`
(text format, max_length and how it was trained) and a model card (README.md). It is written to a temporary
sibling and renamed into place.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Sequence

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from ..model.device import runtime_device
from ..prompts import human_turn
from ..storage import read_json, replace_dir, write_json, write_text
from .scorer import scores_in_batches

TEXT_FORMAT = "### Human: {instruction}\n### Assistant: {response}{eos}"
INFO_FILE = "reward.json"
CARD_FILE = "README.md"


class TrainedRewardModel:
    """A sequence classifier of one output over the chat-turn text, scored at its final EOS token."""

    def __init__(self, model, tokenizer, max_length: int, batch_size: int = 32):
        if model.config.num_labels != 1:
            raise ValueError(f"a reward model has one output (num_labels=1), got num_labels={model.config.num_labels}")
        if tokenizer.pad_token_id is None or tokenizer.eos_token_id is None:
            raise ValueError("the reward model's tokenizer needs a pad token (batches) and an EOS token (pooling)")
        if model.config.pad_token_id != tokenizer.pad_token_id:
            raise ValueError(f"model pads with id {model.config.pad_token_id} but the tokenizer with "
                             f"{tokenizer.pad_token_id}: the head would pool at the wrong token")
        if max_length < 2 or batch_size < 1:
            raise ValueError(f"reward max_length must be >= 2 and batch_size >= 1, got {max_length}, {batch_size}")
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size

    @classmethod
    def from_pretrained(cls, path: str | Path, batch_size: int = 32, max_length: int | None = None,
                        device: str | None = None) -> "TrainedRewardModel":
        """A saved reward model; `max_length` defaults to the one it was trained with."""
        path = Path(path)
        if not (path / INFO_FILE).is_file():
            raise FileNotFoundError(f"{path} is not a trained reward model directory (no {INFO_FILE})")
        model, info = AutoModelForSequenceClassification.from_pretrained(path, dtype=torch.float32,
                                                                         output_loading_info=True)
        if info["missing_keys"] or info["unexpected_keys"] or info["mismatched_keys"]:
            raise ValueError(f"{path}: weights do not fit the model: missing {sorted(info['missing_keys'])}, "
                             f"unexpected {sorted(info['unexpected_keys'])}, "
                             f"mismatched {sorted(info['mismatched_keys'])}")
        tokenizer = AutoTokenizer.from_pretrained(path)
        saved = read_json(path / INFO_FILE)
        return cls(model.to(device or runtime_device()).eval(), tokenizer, max_length or saved["max_length"],
                   batch_size)

    def encode(self, instructions: Sequence[str], responses: Sequence[str]) -> dict[str, torch.Tensor]:
        """Right-padded token ids and attention mask of the chat-turn texts, each ending in EOS."""
        texts = [human_turn(instruction) + response for instruction, response in zip(instructions, responses)]
        rows = self.tokenizer(texts, add_special_tokens=False, truncation=True,
                              max_length=self.max_length - 1)["input_ids"]
        rows = [row + [self.tokenizer.eos_token_id] for row in rows]
        width = max(len(row) for row in rows)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([row + [pad] * (width - len(row)) for row in rows], device=self.model.device)
        attention_mask = torch.tensor([[1] * len(row) + [0] * (width - len(row)) for row in rows],
                                      device=self.model.device)
        return {"input_ids": input_ids, "attention_mask": attention_mask}

    def rewards(self, instructions: Sequence[str], responses: Sequence[str]) -> torch.Tensor:
        """The rewards as a tensor, with gradients when enabled (training takes its loss from these)."""
        return self.model(**self.encode(instructions, responses)).logits[:, 0]

    @torch.no_grad()
    def score_batch(self, instructions: list[str], responses: list[str]) -> list[float]:
        return self.rewards(instructions, responses).float().tolist()

    def score(self, instructions: Sequence[str], responses: Sequence[str]) -> list[float]:
        return scores_in_batches(self.score_batch, instructions, responses, self.batch_size)

    def save_pretrained(self, path: str | Path, card: str, info: dict | None = None) -> Path:
        """Weights (safetensors), tokenizer, `reward.json` (text format, max_length, and `info`) and the card."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
        staging.chmod(0o755)  # mkdtemp makes it private; the saved model is an ordinary artifact
        try:
            self.model.save_pretrained(staging)
            self.tokenizer.save_pretrained(staging)
            write_json({**(info or {}), "text_format": TEXT_FORMAT, "max_length": self.max_length},
                       staging / INFO_FILE)
            write_text(card, staging / CARD_FILE)
            replace_dir(staging, path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return path
