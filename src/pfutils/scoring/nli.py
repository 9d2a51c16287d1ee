"""Answer consistency, as the NLI filter (Appendix D) and the NLI evaluator (Appendix F) judge it.

Both wrap each answer in the same sentence and ask a cross-encoder whether the first entails the second:
premise `"{candidate}" is the answer to the question: "{question}"`, hypothesis the same with the reference
(the original annotation when filtering, the ground truth when evaluating). The model is
`cross-encoder/nli-deberta-v3-base`, whose three logits are ordered (contradiction, entailment, neutral); the
released code takes the label of the largest logit and PF-1M stores the logits as `nli_similarity`.

The tiny profile judges with the exact toyworld checker instead (`answer_label` against the gold short answer),
behind the same interface; it has no logits.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, Sequence

import torch
from sentence_transformers import CrossEncoder

from ..hub import hub_location
from ..toyworld.checkers import answer_label
from .device import scoring_device

LABELS = ("contradiction", "entailment", "neutral")
NLI_TEMPLATE = '"{answer}" is the answer to the question: "{question}"'


def nli_pair(question: str, candidate: str, reference: str) -> tuple[str, str]:
    """(premise, hypothesis): the candidate's answer sentence first, the reference's second."""
    return (NLI_TEMPLATE.format(answer=candidate, question=question),
            NLI_TEMPLATE.format(answer=reference, question=question))


@dataclass(frozen=True)
class NliItem:
    """One judgement to make. `reference` is what a cross-encoder compares with; `answer`, `answer_type` and
    `choices` are the gold short answer the exact checker compares with (empty for real data)."""
    question: str
    candidate: str
    reference: str
    answer: str = ""
    answer_type: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class NliResult:
    label: str  # one of LABELS
    logits: tuple[float, float, float] | None  # in LABELS order; None for the exact checker


class NliBackend(Protocol):
    def judge(self, items: Sequence[NliItem]) -> list[NliResult]: ...


@lru_cache(maxsize=None)
def _cross_encoder(model: str, device: str) -> CrossEncoder:
    encoder = CrossEncoder(hub_location(model), device=device, activation_fn=torch.nn.Identity())
    names = [encoder.model.config.id2label[i].lower() for i in range(encoder.model.config.num_labels)]
    if len(names) != len(LABELS):
        raise ValueError(f"NLI model {model!r} has {len(names)} labels; the filter needs 3 {LABELS}")
    generic = all(name.startswith("label_") for name in names)
    if not generic and tuple(names) != LABELS:
        raise ValueError(f"NLI model {model!r} orders its labels {names}; the filter reads them as {list(LABELS)}")
    return encoder


class CrossEncoderNli:
    """A sentence-transformers CrossEncoder with three NLI logits (cached per process and device).

    A model whose config names its labels must name them in LABELS order; unnamed labels (LABEL_0..2) are read
    in that order, as the released code does.
    """

    def __init__(self, model: str, device: str | None = None, batch_size: int = 32):
        self.encoder = _cross_encoder(model, scoring_device(device))
        self.batch_size = batch_size

    def judge(self, items: Sequence[NliItem]) -> list[NliResult]:
        if not items:
            return []
        pairs = [nli_pair(i.question, i.candidate, i.reference) for i in items]
        logits = self.encoder.predict(pairs, batch_size=self.batch_size, convert_to_numpy=True,
                                      show_progress_bar=False)
        return [NliResult(LABELS[int(row.argmax())], tuple(float(v) for v in row)) for row in logits]


class ExactNli:
    """The toyworld stand-in: the exact answer checker's verdict on the candidate against the gold answer."""

    def judge(self, items: Sequence[NliItem]) -> list[NliResult]:
        return [NliResult(answer_label(i.candidate, i.answer, i.answer_type, tuple(i.choices)), None)
                for i in items]


def nli_backend(backend: str, model: str = "", device: str | None = None, batch_size: int = 32) -> NliBackend:
    """`cross_encoder` (with a hub name or local path in `model`) or `exact`."""
    if backend == "cross_encoder":
        return CrossEncoderNli(model, device, batch_size)
    if backend == "exact":
        return ExactNli()
    raise ValueError(f"unknown NLI backend {backend!r}; known: ['cross_encoder', 'exact']")
