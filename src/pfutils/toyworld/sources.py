"""Stage 00's datasets: toyworld analogues of the paper's raw-annotation, held-out and polite sources.

Every sample is made from its own random stream, seeded by (seed, dataset, split, index), so a dataset's
samples do not change when another dataset's size does, and every run on every machine makes the same bytes.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

import datasets

from ..schema import FEATURES, sample
from ..prompts import ALT_INSTRUCTIONS, CAPTION_INSTRUCTIONS, CHANGE_INSTRUCTIONS, PARAGRAPH_INSTRUCTIONS
from . import raw, teacher
from .questions import ask, pair_statement
from .render import render
from .scene import Scene, World, scenes_to_json

def _one_image(world: World, rng: random.Random, n_objects: int | None = None) -> tuple[Scene, dict]:
    scene = world.scene(rng, n_objects)
    return scene, {"images": [render(scene, world.image_size)], "scene": scenes_to_json([scene])}


def _vqa(family: str):
    def make(world: World, rng: random.Random) -> dict:
        while True:
            scene, pictured = _one_image(world, rng)
            qa = ask(family, scene, rng)
            if qa is not None:
                return {**pictured, "task": qa.family, "instruction": qa.question, "response": qa.answer,
                        "answer": qa.answer, "answer_type": qa.answer_type, "choices": list(qa.choices)}
    return make


def coco_like(world: World, rng: random.Random) -> dict:
    scene, pictured = _one_image(world, rng)
    captions = raw.coco_captions(scene, rng, world.typo_rate)
    return {**pictured, "task": "caption", "instruction": rng.choice(CAPTION_INSTRUCTIONS),
            "response": "\n".join(captions), "captions": captions, "boxes": raw.boxes(scene)}


def img2p_like(world: World, rng: random.Random) -> dict:
    scene, pictured = _one_image(world, rng)
    return {**pictured, "task": "paragraph", "instruction": rng.choice(PARAGRAPH_INSTRUCTIONS),
            "response": raw.fact_list(scene, rng, world.typo_rate)}


def cc3m_like(world: World, rng: random.Random) -> dict:
    scene, pictured = _one_image(world, rng)
    return {**pictured, "task": "alt_text", "instruction": rng.choice(ALT_INSTRUCTIONS),
            "response": raw.alt_text(scene, rng, world.typo_rate)}


def elevater_like(world: World, rng: random.Random) -> dict:
    scene, pictured = _one_image(world, rng, n_objects=1)
    label, knowledge = raw.classification(scene.objects[0], rng)
    return {**pictured, "task": "classification", "instruction": "What is this?",
            "response": f"{label} {knowledge}", "answer": scene.objects[0].shape, "answer_type": "shape",
            "knowledge": knowledge}


def spotdiff_like(world: World, rng: random.Random) -> dict:
    before = world.scene(rng)
    after, changes = world.changed(before, rng, rng.choice((1, 1, 2)))
    return {"images": [render(before, world.image_size), render(after, world.image_size)],
            "scene": scenes_to_json([before, after]), "task": "change",
            "instruction": rng.choice(CHANGE_INSTRUCTIONS), "response": raw.change_note(changes, rng, world.typo_rate)}


def aokvqa_like(world: World, rng: random.Random) -> dict:
    while True:
        scene, pictured = _one_image(world, rng)
        qa = ask("aokvqa", scene, rng)
        if qa is not None:
            return {**pictured, "task": qa.family,
                    "instruction": f"{qa.question}\nChoices: {', '.join(qa.choices)}.",
                    "response": raw.answer_with_rationale(qa), "answer": qa.answer, "answer_type": qa.answer_type,
                    "choices": list(qa.choices), "rationale": qa.rationale}


def nlvr2_like(world: World, rng: random.Random) -> dict:
    left, right = world.scene(rng), world.scene(rng)
    qa = pair_statement(left, right, rng)
    return {"images": [render(left, world.image_size), render(right, world.image_size)],
            "scene": scenes_to_json([left, right]), "task": qa.family, "instruction": qa.question,
            "response": qa.answer, "answer": qa.answer, "answer_type": qa.answer_type}


def llava_detail_like(world: World, rng: random.Random) -> dict:
    scene, pictured = _one_image(world, rng)
    instruction, description = teacher.detailed_description(scene, rng)
    return {**pictured, "task": "detailed_description", "instruction": instruction, "response": description,
            "captions": raw.coco_captions(scene, rng, world.typo_rate), "boxes": raw.boxes(scene)}


def llava_conv_like(world: World, rng: random.Random) -> dict:
    while True:
        scene, pictured = _one_image(world, rng)
        qa = ask(rng.choice(("vqav2", "gqa", "clevr")), scene, rng)
        if qa is not None:
            return {**pictured, "task": qa.family, "instruction": qa.question,
                    "response": teacher.polite_answer(qa, scene, rng), "answer": qa.answer,
                    "answer_type": qa.answer_type, "choices": list(qa.choices)}


def llava_reasoning_like(world: World, rng: random.Random) -> dict:
    scene, pictured = _one_image(world, rng)
    question, answer = teacher.reasoning(scene, rng)
    return {**pictured, "task": "reasoning", "instruction": question, "response": answer}


def text_dialogue_like(world: World, rng: random.Random) -> dict:
    question, answer = teacher.text_dialogue(rng)
    return {"task": "dialogue", "instruction": question, "response": answer}


@dataclass(frozen=True)
class Source:
    category: str
    analogue: str  # the paper's dataset this one stands in for
    make: Callable[[World, random.Random], dict]


SOURCES: dict[str, Source] = {
    # raw annotations, rewritten into PF-1M (Table 6)
    "coco_like": Source("captioning", "MS-COCO 2014 captions + boxes", coco_like),
    "img2p_like": Source("captioning", "Image2Paragraph", img2p_like),
    "cc3m_like": Source("captioning", "CC-3M", cc3m_like),
    "elevater_like": Source("classification", "ELEVATER image classification + knowledge", elevater_like),
    "spotdiff_like": Source("change_captioning", "Spot-the-Diff", spotdiff_like),
    "aokvqa_like": Source("vqa_rationale", "A-OKVQA", aokvqa_like),
    "vqav2_like": Source("vqa_short", "VQA-v2", _vqa("vqav2")),
    "gqa_like": Source("vqa_short", "GQA", _vqa("gqa")),
    "clevr_like": Source("vqa_short", "CLEVR", _vqa("clevr")),
    # held-out evaluation, never rewritten or trained on
    "vsr_like": Source("heldout_vqa", "VSR", _vqa("vsr")),
    "okvqa_like": Source("heldout_vqa", "OK-VQA", _vqa("okvqa")),
    "nlvr2_like": Source("heldout_multi_image", "NLVR2", nlvr2_like),
    # polite, high-quality sources (the GPT-4 / ChatGPT analogues)
    "llava_detail_like": Source("polite_multimodal", "LLaVA detail-23k", llava_detail_like),
    "llava_conv_like": Source("polite_multimodal", "LLaVA conversation-58k", llava_conv_like),
    "llava_reasoning_like": Source("polite_multimodal", "LLaVA complex-reasoning-77k", llava_reasoning_like),
    "text_dialogue_like": Source("polite_text", "UltraChat / ShareGPT", text_dialogue_like),
}


def make_sample(name: str, split: str, index: int, seed: int, world: World) -> dict:
    source = SOURCES[name]
    rng = random.Random(f"{seed}/{name}/{split}/{index}")
    return sample(id=f"{name}/{split}/{index}", dataset=name, category=source.category, split=split,
                  **source.make(world, rng))


def build_source(name: str, sizes: dict[str, int], seed: int, world: World) -> datasets.DatasetDict:
    """One source dataset with its splits, e.g. {"train": 200, "test": 50}; empty splits are left out."""
    return datasets.DatasetDict({
        split: datasets.Dataset.from_list([make_sample(name, split, i, seed, world) for i in range(n)],
                                          features=FEATURES)
        for split, n in sizes.items() if n > 0
    })
