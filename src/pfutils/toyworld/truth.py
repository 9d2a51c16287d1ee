"""Toyworld's exact truth, in one place: what every stage that holds a text to its images' scenes asks.

A text hallucinates (`hallucination`: names a shape the image lacks, an absent object-attribute combination, or
an object in the wrong place, each stricter than the one before), names the scene's objects (`object_recall`), or
keeps or contradicts a gold answer (`answer_changed`). The checkers that read free text are `checkers`; this module
says what is true of a record, and `audit` counts it over a dataset. Real data has no scene: there the truth is
None, never made up.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from .checkers import answer_label, mentions, object_mentions, tokens
from .scene import scenes_from_json
from .vocab import SHAPE_PLURALS

if TYPE_CHECKING:
    import datasets

HALLUCINATION_KINDS = ("objects", "attributes", "positions")


def hallucination(text: str, scene_json: str) -> tuple[bool | None, bool | None, bool | None, int]:
    """(names a shape the image does not have: CHAIR's object hallucination; names an absent object-attribute
    combination; also counting wrong places; number of mentions), exact. Each is stricter than the one before.
    Without a scene (real data) nothing can be checked: (None, None, None, 0), which the summary leaves out."""
    if not scene_json:
        return None, None, None, 0
    scenes = scenes_from_json(scene_json)
    attributed = mentions(text, scenes, positions=False)
    placed = mentions(text, scenes, positions=True)
    return (any(m.hallucinated for m in object_mentions(text, scenes)), any(m.hallucinated for m in attributed),
            any(m.hallucinated for m in placed), len(placed))


def object_recall(text: str, scene_json: str) -> float | None:
    """Share of the scene's objects the text names with their colour and shape (single-image scenes); None where
    there is no scene to check against (real data) or more than one."""
    if not scene_json:
        return None
    scenes = scenes_from_json(scene_json)
    if len(scenes) != 1:
        return None
    words = tokens(text)
    pairs = set(zip(words, words[1:]))
    objects = scenes[0].objects
    named = sum((o.colour, o.shape) in pairs or (o.colour, SHAPE_PLURALS[o.shape]) in pairs for o in objects)
    return named / len(objects)


def answer_changed(record: dict, text_field: str = "rewrite") -> bool | None:
    """Does the text contradict the gold answer? None for a record without one."""
    if not record.get("answer"):
        return None
    label = answer_label(record[text_field], record["answer"], record["answer_type"], tuple(record["choices"]))
    return label == "contradiction"


def hallucinated(text: str, scene_json: str, positions: bool = False) -> bool | None:
    """Does the text mention an object or attribute that none of the images' scenes has? Object hallucination,
    as CHAIR counts it and as CLIPScore can see it; `positions=True` also counts objects put in the wrong place.
    None for a record without a scene (real data: no exact truth)."""
    if not scene_json:
        return None
    return any(m.hallucinated for m in mentions(text, scenes_from_json(scene_json), positions))


def hallucination_kinds(text: str | None, scene_json: str) -> dict[str, bool | None]:
    """Which kinds of hallucination a text has, each stricter than the one before: `objects` (names a shape the
    image lacks: CHAIR), `attributes` (an absent object-attribute combination), `positions` (also a wrong place).
    None for each where there is no text or no scene (real data)."""
    if text is None or not scene_json:
        return dict.fromkeys(HALLUCINATION_KINDS)
    return dict(zip(HALLUCINATION_KINDS, hallucination(text, scene_json)[:3]))


def rewrite_is_bad(record: dict, text_field: str = "rewrite") -> bool | None:
    """The exact truth a filter is held to: the text hallucinates, or (VQA) no longer states the gold answer.
    None without a scene (real data), where hallucination cannot be known."""
    hallucinates = hallucinated(record[text_field], record["scene"])
    if hallucinates is None:
        return None
    return hallucinates or bool(answer_changed(record, text_field))


def known_mean(values: Sequence[bool | None]) -> float | None:
    """The share of True among the values that are known; None when none is (real data)."""
    known = [float(v) for v in values if v is not None]
    return sum(known) / len(known) if known else None


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
