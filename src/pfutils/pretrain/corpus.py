"""What the base models learn from: toyworld text, image-caption pairs and interleaved image-text sequences.

Pretraining scenes come from their own seed space ("{seed}/pretrain/..."), disjoint from the stage-00 datasets,
as a web crawl is disjoint from the benchmarks built later. The texts cover both registers the paper contrasts
(raw annotations and polite teacher prose) and the chat format, like the LLaMA + Guanaco stack the paper
starts from.
"""
from __future__ import annotations

import random

from ..prompts import chat_prompt
from ..toyworld import raw, teacher
from ..toyworld.questions import FAMILIES, ask
from ..toyworld.refer import full_name, inventory, where
from ..toyworld.scene import Scene
from ..toyworld.scene import World
from ..toyworld.vocab import number_word


def _rng(seed: int, kind: str, i: int) -> random.Random:
    return random.Random(f"{seed}/pretrain/{kind}/{i}")


def clip_caption(scene: Scene, rng: random.Random) -> str:
    """A short caption (under ~20 tokens) true of the scene, partial or complete, as alt texts are.

    Nearly every style names a shape: shape is the attribute a small ViT learns last, so it gets the most signal.
    """
    obj = rng.choice(scene.objects)
    other = rng.choice(scene.objects)
    return rng.choice([
        f"a photo of a {full_name(obj)}",
        f"a {obj.colour} {obj.shape}",
        f"a {obj.shape}",
        f"a {obj.size} {obj.shape} {where(obj)}",
        f"a {obj.colour} {obj.shape} {where(obj)}",
        f"a {obj.name} and a {other.name}" if other is not obj else f"a {obj.colour} shape",
        inventory(scene),
        ", ".join(o.name for o in scene.objects),
    ])


def clip_pairs(world: World, n: int, seed: int, single_object_share: float) -> list[tuple[Scene, str]]:
    pairs = []
    for i in range(n):
        rng = _rng(seed, "clip", i)
        scene = world.scene(rng, 1 if rng.random() < single_object_share else None)
        pairs.append((scene, clip_caption(scene, rng)))
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


def lm_documents(world: World, n_scenes: int, n_dialogues: int, seed: int) -> list[str]:
    docs = []
    for i in range(n_scenes):
        rng = _rng(seed, "lm", i)
        docs += scene_texts(world.scene(rng), rng, world)
    for i in range(n_dialogues):
        docs.append(chat_prompt(*teacher.text_dialogue(_rng(seed, "dialogue", i))))
    return docs


def captioning_sequence(world: World, rng: random.Random, max_images: int) -> tuple[list[Scene], list[str]]:
    """1..max_images scenes, each with a caption of some style (detailed, short, raw, or an inventory)."""
    scenes, captions = [], []
    for _ in range(rng.randint(1, max_images)):
        scene = world.scene(rng, 1 if rng.random() < 0.3 else None)
        style = rng.random()
        if style < 0.45:
            caption = teacher.detailed_description(scene, rng)[1]
        elif style < 0.7:
            caption = clip_caption(scene, rng)
        elif style < 0.85:
            caption = raw.coco_captions(scene, rng, 0.0, k=1)[0]
        else:
            caption = f"There {'is' if len(scene.objects) == 1 else 'are'} {inventory(scene)}."
        scenes.append(scene)
        captions.append(caption)
    return scenes, captions
