"""Visual questions with exact answers, computed from scene graphs.

Each generator returns a `QA` (or None when the scene cannot support that kind of question). The families
mirror the paper's VQA datasets: VQAv2 (attributes, counts, yes/no), GQA (relations), CLEVR (compositional
counting), A-OKVQA (choices + rationale), and the held-out OK-VQA (knowledge), VSR (spatial true/false) and
NLVR2 (statements about two images).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from .refer import RELATIONS, a_or_an, ref, where
from .scene import Obj, Scene
from .vocab import COLOUR_FACTS, COLOUR_MIXES, COLOURS, CORNERS, FRUITS, LOOKS_LIKE, SHAPES, number_word, plural


@dataclass(frozen=True)
class QA:
    question: str
    answer: str            # the short canonical answer ("red", "2", "yes", a choice's text)
    answer_type: str       # colour | shape | number | boolean | size | choice
    family: str            # which generator made it
    about: tuple[Obj, ...] = ()
    choices: tuple[str, ...] = ()
    rationale: str = ""
    facts: dict = field(default_factory=dict)  # what a polite answer may add (e.g. the relation word)


def _pick(rng: random.Random, scene: Scene) -> Obj:
    return rng.choice(scene.objects)


# --- VQAv2-like -------------------------------------------------------------------------------------------------

def colour_of(scene: Scene, rng: random.Random) -> QA:
    obj = _pick(rng, scene)
    q = rng.choice(["What color is the {r}?", "What is the color of the {r}?", "Which color does the {r} have?"])
    subject = obj.shape if len(scene.find(shape=obj.shape)) == 1 else f"{obj.shape} {where(obj)}"
    return QA(q.format(r=subject), obj.colour, "colour", "colour_of", (obj,))


def shape_of(scene: Scene, rng: random.Random) -> QA:
    obj = _pick(rng, scene)
    same_colour = scene.find(colour=obj.colour)
    subject = f"{obj.colour} object" if len(same_colour) == 1 else f"{obj.colour} object {where(obj)}"
    q = rng.choice(["What shape is the {s}?", "What is the shape of the {s}?", "Which shape is the {s}?"])
    return QA(q.format(s=subject), obj.shape, "shape", "shape_of", (obj,))


def size_of(scene: Scene, rng: random.Random) -> QA:
    obj = _pick(rng, scene)
    q = rng.choice(["Is the {r} small or large?", "What size is the {r}?", "How big is the {r}?"])
    return QA(q.format(r=ref(obj, scene)), obj.size, "size", "size_of", (obj,))


def count_shape(scene: Scene, rng: random.Random) -> QA:
    shape = rng.choice([o.shape for o in scene.objects] + list(SHAPES))
    n = len(scene.find(shape=shape))
    q = rng.choice(["How many {p} are there?", "How many {p} are in the image?", "How many {p} can you see?"])
    return QA(q.format(p=plural(shape, 2)), str(n), "number", "count_shape", tuple(scene.find(shape=shape)),
              facts={"shape": shape})


def count_colour(scene: Scene, rng: random.Random) -> QA:
    colour = rng.choice([o.colour for o in scene.objects] + list(COLOURS))
    found = scene.find(colour=colour)
    q = rng.choice(["How many {c} objects are there?", "How many {c} shapes are in the picture?"])
    return QA(q.format(c=colour), str(len(found)), "number", "count_colour", tuple(found), facts={"colour": colour})


def count_all(scene: Scene, rng: random.Random) -> QA:
    q = rng.choice(["How many objects are there?", "How many shapes are in the image?", "How many shapes are there in total?"])
    return QA(q, str(len(scene.objects)), "number", "count_all", scene.objects)


def exists(scene: Scene, rng: random.Random) -> QA:
    """Yes/no presence, half true, the false half a near miss (a shape present in another colour)."""
    if rng.random() < 0.5:
        obj = _pick(rng, scene)
        colour, shape, answer, about = obj.colour, obj.shape, "yes", (obj,)
    else:
        present = {(o.colour, o.shape) for o in scene.objects}
        near = [(c, o.shape) for o in scene.objects for c in COLOURS if (c, o.shape) not in present]
        colour, shape = rng.choice(near)
        answer, about = "no", ()
    q = rng.choice(["Is there a {c} {s} in the image?", "Is there a {c} {s}?", "Can you see a {c} {s}?"])
    return QA(q.format(c=colour, s=shape), answer, "boolean", "exists", about, facts={"colour": colour, "shape": shape})


# --- GQA-like: relations ----------------------------------------------------------------------------------------

def _related(scene: Scene, rng: random.Random):
    pairs = [(rel, a, b) for rel, test in RELATIONS.items() for a in scene.objects for b in scene.objects
             if a is not b and test(a, b)]
    return rng.choice(pairs) if pairs else None


def relation_what(scene: Scene, rng: random.Random) -> QA | None:
    """"What shape is to the left of the blue square?" asked only when exactly one object fits."""
    options = []
    for rel, test in RELATIONS.items():
        for b in scene.objects:
            fits = [a for a in scene.objects if a is not b and test(a, b)]
            if len(fits) == 1:
                options.append((rel, fits[0], b))
    if not options:
        return None
    rel, a, b = rng.choice(options)
    if rng.random() < 0.5:
        q, answer, answer_type = f"What shape is {rel} the {ref(b, scene)}?", a.shape, "shape"
    else:
        q, answer, answer_type = f"What color is the object {rel} the {ref(b, scene)}?", a.colour, "colour"
    return QA(q, answer, answer_type, "relation_what", (a, b), facts={"relation": rel})


def relation_yesno(scene: Scene, rng: random.Random) -> QA | None:
    if len(scene.objects) < 2:
        return None
    a, b = rng.sample(list(scene.objects), 2)
    rel = rng.choice(list(RELATIONS))
    answer = "yes" if RELATIONS[rel](a, b) else "no"
    return QA(f"Is the {ref(a, scene)} {rel} the {ref(b, scene)}?", answer, "boolean", "relation_yesno", (a, b),
              facts={"relation": rel})


# --- CLEVR-like: compositional counting -------------------------------------------------------------------------

def count_or(scene: Scene, rng: random.Random) -> QA:
    colour = rng.choice([o.colour for o in scene.objects])
    shape = rng.choice([o.shape for o in scene.objects])
    found = [o for o in scene.objects if o.colour == colour or o.shape == shape]
    q = f"How many objects are either {colour} or {plural(shape, 2)}?"
    return QA(q, str(len(found)), "number", "count_or", tuple(found), facts={"colour": colour, "shape": shape})


def count_and(scene: Scene, rng: random.Random) -> QA:
    size = rng.choice(["small", "large"])
    colour = rng.choice([o.colour for o in scene.objects] + list(COLOURS))
    found = scene.find(colour=colour, size=size)
    q = rng.choice(["How many {s} {c} objects are there?", "How many things are both {s} and {c}?"])
    return QA(q.format(s=size, c=colour), str(len(found)), "number", "count_and", tuple(found),
              facts={"colour": colour, "size": size})


def count_not(scene: Scene, rng: random.Random) -> QA:
    shape = rng.choice([o.shape for o in scene.objects])
    found = [o for o in scene.objects if o.shape != shape]
    return QA(f"How many objects are not {plural(shape, 2)}?", str(len(found)), "number", "count_not", tuple(found),
              facts={"shape": shape})


def more_than(scene: Scene, rng: random.Random) -> QA:
    s1, s2 = rng.sample(list(SHAPES), 2)
    n1, n2 = len(scene.find(shape=s1)), len(scene.find(shape=s2))
    return QA(f"Are there more {plural(s1, 2)} than {plural(s2, 2)}?", "yes" if n1 > n2 else "no", "boolean",
              "more_than", tuple(scene.find(shape=s1) + scene.find(shape=s2)), facts={"counts": {s1: n1, s2: n2}})


# --- A-OKVQA-like: choices and a rationale ----------------------------------------------------------------------

def most_corners(scene: Scene, rng: random.Random) -> QA | None:
    shapes = sorted({o.shape for o in scene.objects}, key=lambda s: CORNERS[s])
    if len(shapes) < 2 or CORNERS[shapes[-1]] == CORNERS[shapes[-2]]:
        return None
    best = shapes[-1]
    others = [s for s in SHAPES if s != best]
    choices = rng.sample(others, 3) + [best]
    rng.shuffle(choices)
    obj = scene.find(shape=best)[0]
    runner = shapes[-2]
    rationale = (f"the {best} has {number_word(CORNERS[best])} corners, more than the {runner} "
                 f"with {number_word(CORNERS[runner])}")
    return QA("Which shape in the image has the most corners?", best, "choice", "most_corners", (obj,),
              tuple(choices), rationale)


def fruit_colour(scene: Scene, rng: random.Random) -> QA:
    obj = _pick(rng, scene)
    fruit = COLOUR_FACTS[obj.colour][1]
    choices = rng.sample([f for f in FRUITS if f != fruit], 3) + [fruit]
    rng.shuffle(choices)
    rationale = f"the {ref(obj, scene)} is {obj.colour}, and {COLOUR_FACTS[obj.colour][0]}"
    return QA(f"Which fruit has the same color as the {ref(obj, scene)}?", fruit, "choice", "fruit_colour", (obj,),
              tuple(choices), rationale)


def colour_mix(scene: Scene, rng: random.Random) -> QA | None:
    pairs = [(a, b) for a in scene.objects for b in scene.objects
             if tuple(sorted((a.colour, b.colour))) in COLOUR_MIXES and a.colour < b.colour]
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    mix = COLOUR_MIXES[(a.colour, b.colour)]
    choices = rng.sample([c for c in COLOURS if c != mix], 3) + [mix]
    rng.shuffle(choices)
    rationale = f"the {ref(a, scene)} is {a.colour} and the {ref(b, scene)} is {b.colour}, and mixing them gives {mix}"
    return QA(f"What color would you get by mixing the colors of the {ref(a, scene)} and the {ref(b, scene)}?",
              mix, "choice", "colour_mix", (a, b), tuple(choices), rationale)


# --- held out: OK-VQA-like knowledge, VSR-like spatial truth, NLVR2-like pairs ----------------------------------

def corners(scene: Scene, rng: random.Random) -> QA:
    obj = _pick(rng, scene)
    q = rng.choice(["How many corners does the {r} have?", "How many corners does the {r} in this picture have?"])
    return QA(q.format(r=ref(obj, scene)), str(CORNERS[obj.shape]), "number", "corners", (obj,))


def looks_like(scene: Scene, rng: random.Random) -> QA:
    obj = _pick(rng, scene)
    choices = tuple(LOOKS_LIKE.values())
    return QA(f"Which everyday thing is shaped like the {ref(obj, scene)}?", LOOKS_LIKE[obj.shape], "choice",
              "looks_like", (obj,), choices)


def fruit_open(scene: Scene, rng: random.Random) -> QA:
    obj = _pick(rng, scene)
    return QA(f"Name a fruit that has the same color as the {ref(obj, scene)}.", COLOUR_FACTS[obj.colour][1],
              "choice", "fruit_open", (obj,), FRUITS)


def spatial_statement(scene: Scene, rng: random.Random) -> QA | None:
    if len(scene.objects) < 2:
        return None
    a, b = rng.sample(list(scene.objects), 2)
    rel = rng.choice(list(RELATIONS))
    truth = RELATIONS[rel](a, b)
    statement = f"The {ref(a, scene)} is {rel} the {ref(b, scene)}."
    q = rng.choice([f"{statement} Is this statement true or false?", f"True or false: {statement}"])
    return QA(q, "true" if truth else "false", "boolean", "spatial_statement", (a, b), facts={"relation": rel})


def pair_statement(left: Scene, right: Scene, rng: random.Random) -> QA:
    """A statement about two images, true or false by their scene graphs."""
    kind = rng.choice(["both_have", "more_objects", "exactly_one_colour"])
    if kind == "both_have":
        shape = rng.choice([o.shape for o in left.objects + right.objects])
        truth = bool(left.find(shape=shape)) and bool(right.find(shape=shape))
        statement = f"Both images contain {a_or_an(shape)}."
    elif kind == "more_objects":
        truth = len(left.objects) > len(right.objects)
        statement = "The left image has more objects than the right image."
    else:
        colour = rng.choice([o.colour for o in left.objects + right.objects])
        truth = bool(left.find(colour=colour)) != bool(right.find(colour=colour))
        statement = f"Exactly one of the two images contains a {colour} object."
    q = rng.choice([f"{statement} Is this true or false?", f"Here are two images. True or false: {statement}"])
    return QA(q, "true" if truth else "false", "boolean", f"pair_{kind}")


FAMILIES = {
    "vqav2": (colour_of, shape_of, size_of, count_shape, count_colour, count_all, exists),
    "gqa": (relation_what, relation_yesno),
    "clevr": (count_or, count_and, count_not, more_than),
    "aokvqa": (most_corners, fruit_colour, colour_mix),
    "okvqa": (corners, looks_like, fruit_open),
    "vsr": (spatial_statement,),
}


def ask(family: str, scene: Scene, rng: random.Random, tries: int = 20) -> QA | None:
    """A question of `family` about `scene`, or None when no generator of the family fits the scene."""
    generators = FAMILIES[family]
    for _ in range(tries):
        qa = rng.choice(generators)(scene, rng)
        if qa is not None:
            return qa
    return None
