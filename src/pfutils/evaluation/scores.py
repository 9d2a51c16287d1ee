"""Per-sample scores of model answers: the paper's metrics and toyworld's exact ones."""
from __future__ import annotations

from ..scoring.nli import NliItem
from ..scoring.rouge import rouge_l_scores
from ..toyworld.checkers import mentions, object_mentions, tokens
from ..toyworld.scene import scenes_from_json
from ..toyworld.vocab import SHAPE_PLURALS


def vqa_correct(rows: list[dict], answers: list[str], judge) -> list[bool]:
    """Correct = the judge (NLI cross-encoder, or the exact checker) finds the answer entails the gold one,
    on the paper's pair template."""
    items = [NliItem(question=r["instruction"], candidate=a, reference=r["answer"], answer=r["answer"],
                     answer_type=r["answer_type"], choices=tuple(r["choices"])) for r, a in zip(rows, answers)]
    return [result.label == "entailment" for result in judge.judge(items)]


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


def rouge_to_reference(rows: list[dict], answers: list[str]) -> list[float]:
    return rouge_l_scores([r["response"] for r in rows], answers)
