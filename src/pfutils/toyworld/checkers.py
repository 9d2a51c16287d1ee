"""Exact checkers: is an answer right, and does a text mention anything that is not in the scene?

The paper can only estimate these (an NLI model for answers, CLIPScore for hallucination); toyworld knows the
truth. Both checkers read free text with a small, documented grammar over the closed vocabulary of `vocab`:

- an object mention is a shape word with the adjectives right before it ("two large red circles") and an
  optional position phrase right after it ("... in the top left corner");
- "a red one/object/shape" claims some red object; "on a black background" claims the background;
- sentences with a negation ("no", "not", "without", ...) or a hypothetical ("if", "would") claim nothing.
Mentions outside that grammar are not checked, so the hallucination rate is a lower bound, never a guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .scene import Scene
from .vocab import BACKGROUNDS, COLOURS, NUMBER_WORDS, POSITIONS, SHAPE_PLURALS, SHAPES

_TOKEN = re.compile(r"[a-z]+|\d+|,")
_SENTENCE = re.compile(r"[.!?;:\n]+")
SHAPE_WORDS = {**{s: s for s in SHAPES}, **{p: s for s, p in SHAPE_PLURALS.items()}}
SIZE_WORDS = {"small": "small", "little": "small", "tiny": "small", "large": "large", "big": "large", "huge": "large"}
BACKGROUND_WORDS = {**{b: b for b in BACKGROUNDS}, "grey": "gray"}
GENERIC_NOUNS = {"one", "ones", "object", "objects", "shape", "shapes", "thing", "things"}
SKIP_WORDS = {"no", "not", "none", "nothing", "without", "neither", "nor", "never", "if", "would", "unlike"}
STOP_MODIFIERS = {"such", "other", "different", "more", "fewer", "than"}
NUMBERS = {**{w: i for i, w in enumerate(NUMBER_WORDS)}, "none": 0}
POSITION_NAMES = set(POSITIONS.values()) | {"middle"}
BOOLEAN_WORDS = {"yes": "yes", "true": "yes", "correct": "yes", "right": "yes",
                 "no": "no", "false": "no", "incorrect": "no", "wrong": "no", "not": "no"}


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("n't", " not").replace("-", " "))


def _number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    return NUMBERS.get(token)


@dataclass(frozen=True)
class Mention:
    """One claim a text makes about the scene, and whether the scene bears it out."""
    text: str
    shape: str | None = None
    colour: str | None = None
    size: str | None = None
    position: str | None = None
    count: int | None = None
    background: str | None = None
    hallucinated: bool = False


def _position_after(words: list[str], i: int) -> str | None:
    """A position phrase "(in|at|on) the <position>" within the six words after an object noun."""
    for j in range(i + 1, min(len(words) - 2, i + 7)):
        if words[j] in (",", "and") or words[j] in SHAPE_WORDS:
            return None
        if words[j] in ("in", "at", "on") and words[j + 1] == "the":
            two, one = " ".join(words[j + 2:j + 4]), words[j + 2]
            name = two if two in POSITION_NAMES else one if one in POSITION_NAMES else None
            return "center" if name == "middle" else name
    return None


def _modifiers(words: list[str], i: int) -> tuple[str | None, str | None, int | None, bool]:
    """Colour, size and count written right before the noun at `i`; the flag says a modifier like "such" voids it."""
    colour = size = count = None
    for j in range(i - 1, max(-1, i - 5), -1):
        w = words[j]
        if w in COLOURS and colour is None:
            colour = w
        elif w in SIZE_WORDS and size is None:
            size = SIZE_WORDS[w]
        elif _number(w) is not None:
            count = _number(w)
            break
        elif w in STOP_MODIFIERS:
            return colour, size, count, True
        else:
            break
    return colour, size, count, False


def _matches(scene: Scene, m: Mention) -> bool:
    if m.background is not None:
        return scene.background == m.background
    found = [o for o in scene.objects
             if (m.shape is None or o.shape == m.shape) and (m.colour is None or o.colour == m.colour)
             and (m.size is None or o.size == m.size) and (m.position is None or o.position == m.position)]
    return len(found) == m.count if m.count is not None else bool(found)


def mentions(text: str, scenes: list[Scene], positions: bool = True) -> list[Mention]:
    """Every checkable claim of `text` about the scenes of its images, each marked hallucinated or not.

    With several images (change captioning, two-image statements) a claim holds if any image bears it out.
    `positions=False` checks objects and their attributes only (CHAIR's object hallucination), not where they are.
    """
    found = []
    for sentence in _SENTENCE.split(text):
        words = tokens(sentence)
        if not words or SKIP_WORDS & set(words):
            continue
        for i, w in enumerate(words):
            claim = None
            if w in SHAPE_WORDS:
                colour, size, count, void = _modifiers(words, i)
                if not void:
                    claim = Mention(w, SHAPE_WORDS[w], colour, size, _position_after(words, i) if positions else None,
                                    count)
            elif w in GENERIC_NOUNS:
                colour, size, count, void = _modifiers(words, i)
                if not void and (colour or size or (count is not None and w in ("objects", "shapes"))):
                    claim = Mention(w, None, colour, size, None, count)
            elif w == "background" and i > 0 and words[i - 1] in BACKGROUND_WORDS:
                claim = Mention(f"{words[i - 1]} background", background=BACKGROUND_WORDS[words[i - 1]])
            if claim is not None:
                ok = any(_matches(scene, claim) for scene in scenes)
                found.append(Mention(**{**claim.__dict__, "hallucinated": not ok}))
    return found


def hallucinations(text: str, scenes: list[Scene]) -> list[Mention]:
    return [m for m in mentions(text, scenes) if m.hallucinated]


def object_mentions(text: str, scenes: list[Scene]) -> list[Mention]:
    """CHAIR proper: the shapes `text` names, each hallucinated only if no image has an object of that shape
    (whatever the colour, size, count or place the text gives it)."""
    present = {o.shape for scene in scenes for o in scene.objects}
    return [replace(m, hallucinated=m.shape not in present) for m in mentions(text, scenes, False) if m.shape]


# --- answers ------------------------------------------------------------------------------------------------------

def _candidates(words: list[str], answer_type: str, choices: tuple[str, ...]) -> list[str]:
    """The answers of `answer_type` that `words` state, in order of appearance, normalised."""
    out = []
    if answer_type == "choice":
        options = sorted(choices, key=lambda c: -len(c.split()))
        for i in range(len(words)):
            for option in options:
                parts = option.lower().split()
                if words[i:i + len(parts)] == parts:
                    out.append(option.lower())
                    break
        return out
    for w in words:
        if answer_type == "colour" and w in COLOURS:
            out.append(w)
        elif answer_type == "shape" and w in SHAPE_WORDS:
            out.append(SHAPE_WORDS[w])
        elif answer_type == "size" and w in SIZE_WORDS:
            out.append(SIZE_WORDS[w])
        elif answer_type == "number" and (_number(w) is not None or w == "no"):
            out.append(str(_number(w) or 0))
        elif answer_type == "boolean" and w in BOOLEAN_WORDS:
            out.append(BOOLEAN_WORDS[w])
    return out


def normalise_answer(answer: str, answer_type: str) -> str:
    words = tokens(answer)
    found = _candidates(words, answer_type, (answer,) if answer_type == "choice" else ())
    return found[0] if found else answer.strip().lower()


def answer_label(response: str, answer: str, answer_type: str, choices: tuple[str, ...] = ()) -> str:
    """NLI-style verdict of `response` against the gold `answer`: entailment, neutral or contradiction.

    Entailment: the first answer of the right kind the response states is the gold one. Contradiction: the
    response states answers of that kind but never the gold one. Neutral: none stated, or the gold one only after
    another. Mirrors how the paper's NLI filter drops contradictions and its evaluator counts entailment as correct.
    """
    gold = normalise_answer(answer, answer_type)
    stated = _candidates(tokens(response), answer_type, tuple(choices) + ((answer,) if answer_type == "choice" else ()))
    if not stated:
        return "neutral"
    if stated[0] == gold:
        return "entailment"
    return "neutral" if gold in stated else "contradiction"


def is_correct(response: str, answer: str, answer_type: str, choices: tuple[str, ...] = ()) -> bool:
    return answer_label(response, answer, answer_type, choices) == "entailment"
