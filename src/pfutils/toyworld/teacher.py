"""The polite, grounded "teacher": the toyworld analogue of GPT-4 writing LLaVA's instruction data.

Every text is written from the scene graph, so it is correct by construction (the checkers' unit tests hold the
teacher to that), and in the style the paper calls polite: complete sentences, capitalised, punctuated, helpful,
often in two paragraphs. Many paraphrase templates keep models from learning strings instead of style.
Answers put the asked-for fact first, as a helpful assistant does.
"""
from __future__ import annotations

import random

from ..prompts import DETAIL_INSTRUCTIONS
from .questions import QA
from .refer import RELATIONS, a_or_an, full_name, inventory, join_and, ref, where
from .scene import Change, Obj, Scene
from .vocab import COLOUR_FACTS, COLOUR_MIXES, CORNERS, SHAPE_FACTS, SHAPES, number_word, plural

OPENERS = ("", "", "Certainly! ", "Sure. ", "Of course. ", "Good question. ")

def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- detailed descriptions (LLaVA detail-23k analogue) -----------------------------------------------------------

def _object_sentence(obj: Obj, rng: random.Random) -> str:
    name, place = full_name(obj), where(obj)
    return rng.choice([
        f"{_cap(a_or_an(name))} sits {place}.",
        f"{_cap(place)}, there is {a_or_an(name)}.",
        f"There is {a_or_an(name)} {place}.",
        f"{_cap(a_or_an(name))} can be seen {place}.",
        f"{_cap(place)}, you can see {a_or_an(name)}.",
        f"{_cap(a_or_an(name))} is placed {place}.",
    ])


def _overview(scene: Scene, rng: random.Random) -> str:
    n = len(scene.objects)
    if n == 1:
        obj = scene.objects[0]
        return rng.choice([
            f"The image shows a single {full_name(obj)} {where(obj)} on a {scene.background} background.",
            f"This picture contains just one shape: {a_or_an(full_name(obj))} {where(obj)}, set against a {scene.background} background.",
        ])
    stock = inventory(scene)
    return rng.choice([
        f"The image shows {number_word(n)} shapes on a {scene.background} background: {stock}.",
        f"In this image, there are {number_word(n)} geometric shapes arranged on a {scene.background} background.",
        f"This picture features {stock}, placed on a plain {scene.background} background.",
        f"The image displays a simple arrangement of {number_word(n)} colorful shapes against a {scene.background} background.",
    ])


def _relation_sentence(scene: Scene, rng: random.Random) -> str | None:
    pairs = [(a, b) for a in scene.objects for b in scene.objects if a is not b]
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    holds = [rel for rel, test in RELATIONS.items() if test(a, b)]
    if not holds:
        return None
    rel = rng.choice(holds)
    return rng.choice([
        f"the {ref(a, scene)} is {rel} the {ref(b, scene)}",
        f"the {ref(a, scene)} is positioned {rel} the {ref(b, scene)}",
    ])


def _addition(scene: Scene, rng: random.Random) -> str:
    """The second paragraph: relations, counts, the background, all in the same grounded voice."""
    parts = []
    relation = _relation_sentence(scene, rng)
    if relation:
        parts.append(relation)
    sizes = [o for o in scene.objects if o.size == "large"]
    if len(scene.objects) > 1 and sizes and len(sizes) < len(scene.objects):
        biggest = rng.choice(sizes)
        parts.append(f"the {ref(biggest, scene)} is one of the larger shapes in the picture")
    colours = sorted({o.colour for o in scene.objects})
    if len(colours) > 1:
        parts.append(f"the shapes come in {number_word(len(colours))} different colors: {join_and(colours)}")
    elif len(scene.objects) > 1:
        parts.append(f"all of the shapes share the same {colours[0]} color")
    if not parts:
        parts.append(f"the {scene.background} background leaves plenty of empty space around the {scene.objects[0].shape}")
    rng.shuffle(parts)
    first = "In addition, " + parts[0] + "."
    rest = [_cap(p) + "." for p in parts[1:]]
    closer = rng.choice(["", "", f" The plain {scene.background} background makes every shape easy to see.",
                         " Overall, the composition is simple and clearly organized."])
    return " ".join([first] + rest) + closer


def detailed_description(scene: Scene, rng: random.Random) -> tuple[str, str]:
    """(instruction, two-paragraph description): the second paragraph starts with "In addition,"."""
    objects = list(scene.objects)
    rng.shuffle(objects)
    first = " ".join([_overview(scene, rng)] + [_object_sentence(o, rng) for o in objects])
    return rng.choice(DETAIL_INSTRUCTIONS), first + "\n\n" + _addition(scene, rng)


# --- conversations (LLaVA conversation-58k analogue): polite answers to visual questions -------------------------

def _listing(objects: tuple[Obj, ...] | list[Obj]) -> str:
    return join_and([f"the {full_name(o)} {where(o)}" for o in objects])


def polite_answer(qa: QA, scene: Scene, rng: random.Random) -> str:
    """A complete, friendly answer that states the short answer first and then grounds it."""
    opener = rng.choice(OPENERS)
    f = qa.family
    if f == "colour_of":
        obj = qa.about[0]
        body = (f"The {obj.shape} {where(obj)} is {obj.colour}. It is a {obj.size} {obj.shape}."
                if len(scene.find(shape=obj.shape)) > 1 else
                f"The {obj.shape} is {obj.colour}. It is a {obj.size} {obj.shape} located {where(obj)}.")
    elif f == "shape_of":
        obj = qa.about[0]
        body = f"It is {a_or_an(obj.shape)}. The {obj.colour} {obj.shape} is {obj.size} and sits {where(obj)}."
    elif f == "size_of":
        obj = qa.about[0]
        body = f"The {ref(obj, scene)} is {obj.size}. You can find it {where(obj)}."
    elif f in ("count_shape", "count_colour", "count_all", "count_or", "count_and", "count_not"):
        body = _count_answer(qa)
    elif f == "exists":
        c, s = qa.facts["colour"], qa.facts["shape"]
        if qa.answer == "yes":
            body = f"Yes, there is {a_or_an(full_name(qa.about[0]))} {where(qa.about[0])}."
        else:
            near = scene.find(shape=s)[0]
            body = (f"No, there is no {c} {s} in the image. However, there is {a_or_an(full_name(near))} "
                    f"{where(near)}.")
    elif f == "relation_what":
        a, b = qa.about
        rel = qa.facts["relation"]
        lead = f"It is {a_or_an(a.shape)}" if qa.answer_type == "shape" else f"It is {a.colour}"
        body = f"{lead}: the {a.colour} {a.shape} is {rel} the {ref(b, scene)}."
    elif f == "relation_yesno":
        a, b = qa.about
        rel = qa.facts["relation"]
        if qa.answer == "yes":
            body = f"Yes, the {ref(a, scene)} is {rel} the {ref(b, scene)}."
        else:
            body = (f"No, the {ref(a, scene)} is not {rel} the {ref(b, scene)}. The {ref(a, scene)} is "
                    f"{where(a)}, while the {ref(b, scene)} is {where(b)}.")
    elif f == "more_than":
        (s1, n1), (s2, n2) = qa.facts["counts"].items()
        verdict = "Yes" if qa.answer == "yes" else "No"
        body = (f"{verdict}, there are not more {plural(s1, 2)} than {plural(s2, 2)}."
                if qa.answer == "no" else f"{verdict}, there are more {plural(s1, 2)} than {plural(s2, 2)}.")
        body += f" I count {number_word(n1)} {plural(s1, n1)} and {number_word(n2)} {plural(s2, n2)}."
    elif qa.answer_type == "choice" and qa.rationale:
        body = f"The answer is {qa.answer}. {_cap(qa.rationale)}."
    elif f == "corners":
        obj = qa.about[0]
        n = CORNERS[obj.shape]
        body = (f"The {ref(obj, scene)} has no corners, because {SHAPE_FACTS['circle'][0]}." if n == 0 else
                f"The {ref(obj, scene)} has {number_word(n)} corners.")
    elif f == "looks_like":
        obj = qa.about[0]
        body = f"{_cap(a_or_an(qa.answer))} is shaped like the {ref(obj, scene)}, which is {a_or_an(obj.shape)}."
    elif f == "fruit_open":
        obj = qa.about[0]
        body = f"{_cap(a_or_an(qa.answer))} has the same color as the {ref(obj, scene)}, which is {obj.colour}."
    elif f == "spatial_statement":
        a, b = qa.about
        verdict = "true" if qa.answer == "true" else "false"
        body = (f"The statement is {verdict}. The {ref(a, scene)} is {where(a)}, and the {ref(b, scene)} is "
                f"{where(b)}.")
    else:
        raise ValueError(f"no polite answer for question family {f!r}")
    return opener + body


def _count_answer(qa: QA) -> str:
    n = int(qa.answer)
    if qa.family == "count_shape":
        what = plural(qa.facts["shape"], n or 2)
    elif qa.family == "count_colour":
        what = f"{qa.facts['colour']} {'object' if n == 1 else 'objects'}"
    elif qa.family == "count_all":
        what = "shape" if n == 1 else "shapes"
    else:
        what = "object" if n == 1 else "such objects"
    if n == 0:
        return f"There are no {what} in the image."
    return f"There {'is' if n == 1 else 'are'} {number_word(n)} {what} in the image: {_listing(qa.about)}."


# --- complex reasoning (LLaVA reasoning-77k analogue) ------------------------------------------------------------

def reasoning(scene: Scene, rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(["remove", "group_colour", "closest_center"] if len(scene.objects) > 1 else ["closest_center"])
    if kind == "remove":
        gone = rng.choice(scene.objects)
        rest = tuple(o for o in scene.objects if o is not gone)
        question = f"What would the image look like if the {ref(gone, scene)} were taken away?"
        answer = (f"If the {ref(gone, scene)} were taken away, the image would contain {number_word(len(rest))} "
                  f"{'shape' if len(rest) == 1 else 'shapes'}: {_listing(rest)}. That part of the picture would then show "
                  f"only the {scene.background} background.")
        return question, answer
    if kind == "group_colour":
        groups = {}
        for o in scene.objects:
            groups.setdefault(o.colour, []).append(o)
        parts = [f"the {c} group with {join_and([a_or_an(o.shape) for o in objs])}" for c, objs in sorted(groups.items())]
        question = "How could the shapes in this image be grouped by color?"
        answer = (f"The shapes could be sorted into {number_word(len(groups))} color "
                  f"{'group' if len(groups) == 1 else 'groups'}: {join_and(parts)}. Grouping by color is a simple "
                  f"way to organize them, because each shape has exactly one color.")
        return question, answer
    distance = {o: abs(o.row - 1) + abs(o.col - 1) for o in scene.objects}
    centre = min(scene.objects, key=distance.get)
    if sorted(distance.values()).count(distance[centre]) > 1:
        return reasoning(scene, rng)  # a tie has no single answer: ask something else
    question = "Which shape is closest to the center of the image, and why?"
    answer = (f"The {full_name(centre)} is closest to the center, because it is {where(centre)}, "
              f"which is nearer to the middle of the picture than any other shape.")
    return question, answer


# --- change descriptions and classification, in the teacher's voice ----------------------------------------------

def polite_change(changes: list[Change], rng: random.Random) -> str:
    sentences = []
    for change in changes:
        if change.kind == "removed":
            o = change.before
            sentences.append(f"the {full_name(o)} that was {where(o)} has been removed")
        elif change.kind == "added":
            o = change.after
            sentences.append(f"{a_or_an(full_name(o))} has appeared {where(o)}")
        elif change.kind == "moved":
            o = change.before
            sentences.append(f"the {o.name} has moved from the {o.position} to the {change.after.position}")
        else:
            o = change.before
            sentences.append(f"the {o.shape} {where(o)} has changed color from {o.colour} to {change.after.colour}")
    if len(sentences) == 1:
        return rng.choice(["There is one difference between the two images: ", "The images differ in one way: "]) \
            + sentences[0] + "."
    ordinals = ["First", "Second", "Third", "Fourth"]
    return (f"There are {number_word(len(sentences))} differences between the two images. "
            + " ".join(f"{ordinals[i]}, {s}." for i, s in enumerate(sentences)))


def polite_classification(obj: Obj, rng: random.Random) -> str:
    fact = rng.choice(SHAPE_FACTS[obj.shape])
    return rng.choice([
        f"This is a photo of {a_or_an(full_name(obj))}. As a bit of background, {fact}.",
        f"The image shows {a_or_an(full_name(obj))}. Interestingly, {fact}.",
    ])


# --- text-only polite dialogues (UltraChat / ShareGPT analogue) --------------------------------------------------

def text_dialogue(rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(["corners", "facts", "mix", "arithmetic", "list"])
    if kind == "corners":
        shape = rng.choice(SHAPES)
        n = CORNERS[shape]
        q = rng.choice([f"How many corners does {a_or_an(shape)} have?", f"Can you tell me how many corners {a_or_an(shape)} has?"])
        a = (f"A {shape} has no corners. {_cap(SHAPE_FACTS[shape][1])}." if n == 0 else
             f"A {shape} has {number_word(n)} corners. {_cap(rng.choice(SHAPE_FACTS[shape]))}.")
        return q, a + rng.choice(["", " Let me know if you would like to learn about other shapes!"])
    if kind == "facts":
        shape = rng.choice(SHAPES)
        facts = list(SHAPE_FACTS[shape])
        rng.shuffle(facts)
        q = rng.choice([f"What can you tell me about the {shape} shape?", f"Please explain what {a_or_an(shape)} is."])
        return q, f"Of course! {_cap(facts[0])}. {_cap(facts[1])}. In addition, {facts[2]}."
    if kind == "mix":
        (c1, c2), mix = rng.choice(sorted(COLOUR_MIXES.items()))
        q = f"What color do you get when you mix {c1} and {c2}?"
        return q, (f"Mixing {c1} and {c2} gives you {mix}. This is how painters create {mix} when they do not "
                   f"have it on their palette. {_cap(COLOUR_FACTS[mix][0])}.")
    if kind == "arithmetic":
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        q = rng.choice([f"What is {a} plus {b}?", f"Could you add {a} and {b} for me?"])
        return q, f"Sure! {a} plus {b} equals {a + b}. You can check it by counting {b} steps up from {a}."
    four = [s for s in SHAPES if CORNERS[s] == 4]
    q = "Which shapes have exactly four corners?"
    return q, ("Certainly! Here are the shapes with exactly four corners:\n"
               + "\n".join(f"{i + 1}. {_cap(s)}: {SHAPE_FACTS[s][0]}." for i, s in enumerate(four))
               + "\nBoth of them also have four sides.")

