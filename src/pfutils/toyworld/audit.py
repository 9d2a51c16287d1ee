"""Holding datasets to the exact truth: hallucinated mentions and wrong answers, counted per dataset."""
from __future__ import annotations

import datasets

from .checkers import answer_label, mentions
from .scene import scenes_from_json


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def audit(ds: datasets.Dataset, text_column: str = "response") -> dict[str, float]:
    """Share of texts with a hallucinated mention (CHAIR_s), of mentions hallucinated (CHAIR_i), and answer accuracy.

    Answer accuracy covers rows with a gold `answer`; a share of zero rows is None, not NaN (JSON-safe).
    """
    texts_with, n_texts, n_mentions, n_bad, n_answers, n_right = 0, 0, 0, 0, 0, 0
    for row in ds.select_columns([text_column, "scene", "answer", "answer_type", "choices"]):
        if row["scene"]:
            found = mentions(row[text_column], scenes_from_json(row["scene"]))
            bad = sum(m.hallucinated for m in found)
            n_texts += 1
            n_mentions += len(found)
            n_bad += bad
            texts_with += bad > 0
        if row["answer"]:
            n_answers += 1
            n_right += answer_label(row[text_column], row["answer"], row["answer_type"],
                                    tuple(row["choices"])) == "entailment"
    return {"texts_checked": n_texts, "hallucinated_texts": _share(texts_with, n_texts),
            "mentions": n_mentions, "hallucinated_mentions": _share(n_bad, n_mentions),
            "answers_checked": n_answers, "answer_accuracy": _share(n_right, n_answers)}
