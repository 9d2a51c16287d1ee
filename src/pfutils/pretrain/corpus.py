"""What the base models learn from: toyworld text, image-caption pairs and interleaved image-text sequences.

Pretraining scenes come from their own seed space ("{seed}/pretrain/..."), disjoint from the stage-00 datasets,
as a web crawl is disjoint from the benchmarks built later. The texts cover both registers the paper contrasts
(raw annotations and polite teacher prose) and the chat format, like the LLaMA + Guanaco stack the paper
starts from, and proofreading exchanges (see `proofreading`).
"""
from __future__ import annotations

import random
from dataclasses import replace

from ..prompts import SYSTEM_MESSAGE, chat_prompt
from ..toyworld import raw, teacher
from ..toyworld.questions import FAMILIES, ask
from ..toyworld.refer import full_name, inventory, where
from ..toyworld.scene import Scene, World
from ..toyworld.vocab import POSITIONS


def _rng(seed: int, kind: str, i: int) -> random.Random:
    return random.Random(f"{seed}/pretrain/{kind}/{i}")


def clip_caption(scene: Scene, rng: random.Random) -> str:
    """A short caption (under ~30 tokens) true of the scene, partial or complete, as alt texts are.

    Every attribute the later stages ask about (colour, shape, size, position) is named often enough for the
    contrastive objective to need it: a CLIP whose captions rarely contrast sizes or places does not encode them.
    """
    obj = rng.choice(scene.objects)
    return rng.choice([
        f"a photo of a {full_name(obj)}",
        f"a {full_name(obj)} {where(obj)}",
        f"a {obj.colour} {obj.shape} {where(obj)}",
        f"a {obj.size} {obj.shape}",
        f"a {obj.size} shape",
        f"a {obj.colour} shape",
        f"a {obj.shape}",
        f"a shape {where(obj)}",
        inventory(scene),
        ", ".join(f"{o.size} {o.name} {o.position}" for o in scene.objects),
    ])


def moved(scene: Scene, rng: random.Random) -> tuple[Scene, int]:
    """The scene with one object (its index returned) moved to another cell: a hard negative for position."""
    index = rng.randrange(len(scene.objects))
    taken = {(o.row, o.col) for o in scene.objects}
    free = sorted(set(POSITIONS) - taken)
    row, col = rng.choice(free)
    objects = list(scene.objects)
    objects[index] = replace(objects[index], row=row, col=col)
    return Scene(tuple(objects), scene.background), index


def clip_pairs(world: World, n: int, seed: int, single_object_share: float, twin_share: float) -> list[tuple[Scene, str]]:
    """Image-caption pairs in twos, so a batch always holds whole twos. With probability `twin_share` a two is a
    hard negative: a scene and the same scene with one object moved, each captioned with that object's place,
    so only position tells the captions apart (a contrastive batch of random scenes almost never needs it)."""
    pairs = []
    for i in range(n // 2):
        rng = _rng(seed, "clip", i)
        scene = world.scene(rng, 1 if rng.random() < single_object_share else None)
        if rng.random() < twin_share:
            twin, index = moved(scene, rng)
            for s in (scene, twin):
                obj = s.objects[index]
                pairs.append((s, rng.choice([f"a {obj.colour} {obj.shape} {where(obj)}", f"a shape {where(obj)}",
                                             f"a {full_name(obj)} {where(obj)}"])))
        else:
            other = world.scene(rng, 1 if rng.random() < single_object_share else None)
            pairs += [(scene, clip_caption(scene, rng)), (other, clip_caption(other, rng))]
    return pairs


def scene_texts(scene: Scene, rng: random.Random, world: World) -> list[str]:
    """Every kind of text toyworld has about one scene, raw and polite (no image: this is text-only data)."""
    instruction, description = teacher.detailed_description(scene, rng)
    qa = ask(rng.choice(sorted(FAMILIES)), scene, rng)
    question, reasoning = teacher.reasoning(scene, rng)
    after, changes = world.changed(scene, rng, 1)
    texts = [description, "\n".join(raw.coco_captions(scene, rng, world.typo_rate)),
             raw.fact_list(scene, rng, world.typo_rate), raw.alt_text(scene, rng, world.typo_rate),
             raw.change_note(changes, rng, world.typo_rate), teacher.polite_change(changes, rng),
             teacher.polite_classification(rng.choice(scene.objects), rng),
             chat_prompt(instruction, description), chat_prompt(question, reasoning)]
    if qa is not None:
        texts += [f"Question: {qa.question} Answer: {qa.answer}",
                  chat_prompt(qa.question, teacher.polite_answer(qa, scene, rng))]
    return texts


PROOFREADING_REQUESTS = ("Please correct the spelling mistakes in this text:",
                         "Fix the typos below and give me the text back:",
                         "Proofread this for me:",
                         "Could you clean up the spelling here?")


def proofreading(text: str, rng: random.Random, typo_rate: float = 0.3) -> str:
    """A chat exchange that gives `text` back without the typos the request showed it with.

    Why it is in the corpus: the rewriter carries a draft's content into its revision by copying from its
    context, which LLaMA learned from web text (induction heads) and Guanaco from editing requests. Toyworld
    prose alone is so predictable that an LM trained on it never looks back: before these exchanges, a passage
    was no easier for it to predict the second time than the first.
    """
    request = rng.choice(PROOFREADING_REQUESTS)
    return chat_prompt(f"{request}\n\n{raw.noisy(text, rng, typo_rate)}", text)


def lm_documents(world: World, n_scenes: int, n_dialogues: int, seed: int, proofreading_per_scene: int) -> list[str]:
    """The scenes' texts, each scene followed by proofreading exchanges on some of its prose, then the dialogues."""
    docs = []
    for i in range(n_scenes):
        rng = _rng(seed, "lm", i)
        texts = scene_texts(world.scene(rng), rng, world)
        prose = [t for t in texts if not t.startswith(SYSTEM_MESSAGE)]
        docs += texts + [proofreading(rng.choice(prose), rng) for _ in range(proofreading_per_scene)]
    for i in range(n_dialogues):
        docs.append(chat_prompt(*teacher.text_dialogue(_rng(seed, "dialogue", i))))
    return docs


def listing(scene: Scene) -> str:
    """Every object by size, colour, shape and place: the caption a vision pathway must learn to ground."""
    return " and ".join(f"a {full_name(o)} {where(o)}" for o in scene.objects)


def captioning_sequence(world: World, rng: random.Random, max_images: int) -> tuple[list[Scene], list[str]]:
    """1..max_images scenes, each with a caption of some style (detailed, full listing, inventory, raw)."""
    scenes, captions = [], []
    for _ in range(rng.randint(1, max_images)):
        scene = world.scene(rng, 1 if rng.random() < 0.3 else None)
        style = rng.random()
        if style < 0.3:
            caption = teacher.detailed_description(scene, rng)[1]
        elif style < 0.8:
            caption = listing(scene)
        elif style < 0.9:
            caption = f"There {'is' if len(scene.objects) == 1 else 'are'} {inventory(scene)}."
        else:
            caption = raw.coco_captions(scene, rng, 0.0, k=1)[0]
        scenes.append(scene)
        captions.append(caption)
    return scenes, captions
