"""Raw annotations in the style of the paper's source datasets: terse, lowercase, typos, fragments.

These are the texts the paper calls impolite: correct but cold and unformatted. Each function is the toyworld
analogue of one dataset's annotation habit (COCO captions and boxes, Image2Paragraph fact lists, CC3M alt text,
ELEVATER class names with knowledge, Spot-the-Diff change notes, VQA short answers).
"""
from __future__ import annotations

import random

from .questions import QA
from .refer import full_name, inventory
from .scene import Change, Obj, Scene
from .vocab import SHAPE_FACTS, number_word, plural


def noisy(text: str, rng: random.Random, rate: float) -> str:
    """Typos as annotators make them: a swapped, dropped or doubled letter in some longer words."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) >= 5 and word.isalpha() and rng.random() < rate:
            j = rng.randrange(1, len(word) - 2)
            kind = rng.choice(("swap", "drop", "double"))
            if kind == "swap":
                word = word[:j] + word[j + 1] + word[j] + word[j + 2:]
            elif kind == "drop":
                word = word[:j] + word[j + 1:]
            else:
                word = word[:j] + word[j] + word[j:]
            words[i] = word
    return " ".join(words)


def _short(obj: Obj, rng: random.Random) -> str:
    return rng.choice([obj.name, obj.name, full_name(obj), obj.shape])


def coco_captions(scene: Scene, rng: random.Random, typo_rate: float, k: int = 5) -> list[str]:
    """Five partial captions: each mentions a few objects, never all details."""
    captions = []
    for _ in range(k):
        objs = rng.sample(list(scene.objects), min(len(scene.objects), rng.randint(1, 3)))
        names = [_short(o, rng) for o in objs]
        style = rng.randrange(5)
        if style == 0:
            text = " and ".join(f"a {n}" for n in names) + f" on a {scene.background} background"
        elif style == 1:
            text = f"{number_word(len(scene.objects))} shapes on {scene.background}"
        elif style == 2:
            text = f"a {names[0]} in the {objs[0].position}"
        elif style == 3:
            text = "some shapes " + " ".join(names)
        else:
            text = inventory(scene)
        captions.append(noisy(text, rng, typo_rate))
    return captions


def boxes(scene: Scene) -> list[dict]:
    """COCO-style object boxes: the category (shape) and normalised corners."""
    return [{"label": o.shape, "x1": b[0], "y1": b[1], "x2": b[2], "y2": b[3]}
            for o in scene.objects for b in [tuple(round(v, 3) for v in o.box())]]


def fact_list(scene: Scene, rng: random.Random, typo_rate: float) -> str:
    """An Image2Paragraph-like paragraph: loose facts in no particular order."""
    facts = []
    for o in scene.objects:
        facts += [f"{o.colour} {o.shape}", f"it is {o.size}", o.position]
    facts += [f"background {scene.background}", f"{len(scene.objects)} objects"]
    head, tail = facts[:-2], facts[-2:]
    rng.shuffle(tail)
    return noisy(". ".join(head + tail), rng, typo_rate)


def alt_text(scene: Scene, rng: random.Random, typo_rate: float) -> str:
    """CC3M-like alt text: short, generic, sometimes naming one object."""
    obj = rng.choice(scene.objects)
    text = rng.choice([
        f"stock image {obj.name} on {scene.background}",
        "abstract geometric shapes illustration",
        f"vector illustration of a {obj.name}",
        f"{plural(obj.shape, 2)} and other shapes",
        f"simple {scene.background} background with shapes",
    ])
    return noisy(text, rng, typo_rate)


def classification(obj: Obj, rng: random.Random) -> tuple[str, str]:
    """ELEVATER-like: the class name in "a photo of a {class}." form plus a piece of external knowledge."""
    knowledge = rng.choice(SHAPE_FACTS[obj.shape])
    return f"a photo of a {obj.shape}.", knowledge


def change_note(changes: list[Change], rng: random.Random, typo_rate: float) -> str:
    notes = []
    for c in changes:
        if c.kind == "removed":
            notes.append(rng.choice([f"the {c.before.name} is gone", f"{c.before.name} removed"]))
        elif c.kind == "added":
            notes.append(rng.choice([f"a {c.after.name} was added", f"there is a new {c.after.shape} {c.after.position}"]))
        elif c.kind == "moved":
            notes.append(f"{c.before.name} moved to the {c.after.position}")
        else:
            notes.append(rng.choice([f"the {c.before.shape} is now {c.after.colour}",
                                     f"{c.before.shape} changed from {c.before.colour} to {c.after.colour}"]))
    return noisy(rng.choice([" . ", " and ", "\n"]).join(notes), rng, typo_rate)


def answer_with_rationale(qa: QA) -> str:
    """A-OKVQA-like raw annotation: the chosen answer and the annotator's terse rationale."""
    return f"{qa.answer}. {qa.rationale}"
