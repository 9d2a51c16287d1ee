"""Toyworld written out in the paper's released data formats, under the paths `profiles/paper.yaml` reads.

Every file is what the real release holds, in its layout (COCO captions and instances JSON, Image2Paragraph's
paragraphs and split files, ELEVATER's image list, class names and knowledge file, Spot-the-Diff, A-OKVQA, VQA-v2,
GQA, OK-VQA, VSR, NLVR2, LLaVA-Instruct-150K's three files, UltraChat JSON lines, ShareGPT JSON), filled with
toyworld scenes and their texts, so the paper profile's real loaders and every stage after them run on it.

Images come as real data does: non-square, in several sizes, JPEG (RGB, grayscale and CMYK) where the release has
JPEG files and PNG (RGB, RGBA, palette, grayscale) where it has PNG files, a few truncated and a few missing.
One image is written once however many annotations use it (a COCO image serves captions, LLaVA and A-OKVQA,
as in the releases). Deterministic: the same arguments write the same bytes.
"""
from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ..toyworld import raw, teacher
from ..toyworld.questions import ask, pair_statement, spatial_statement
from ..toyworld.render import render
from ..toyworld.scene import Scene, World
from ..toyworld.vocab import SHAPE_FACTS, SHAPES

ASPECTS = (1.0, 0.75, 4 / 3, 0.6, 1.5)        # width / height, cycled over images
JPEG_MODES = ("RGB", "RGB", "L", "CMYK")      # what JPEG releases hold (COCO has grayscale and CMYK files)
PNG_MODES = ("RGB", "RGBA", "P", "L")
TRUNCATED_EVERY, MISSING_EVERY = 17, 19       # image k is cut short when k % 17 == 5, absent when k % 19 == 7


@dataclass(frozen=True)
class Release:
    """Where and how big: `n` images per raw dataset's train split (test splits get half), `image_px` pixels on
    an image's long side."""
    root: Path
    n: int = 12
    image_px: int = 96
    seed: int = 0
    world: World = World()

    def rng(self, *key) -> random.Random:
        return random.Random("/".join(map(str, (self.seed, *key))))

    def scene(self, pool: str, index: int, n_objects: int | None = None) -> Scene:
        """The scene of image `index` of an image pool (e.g. "coco/train2017"): the same wherever it is used."""
        return self.world.scene(self.rng("scene", pool, index), n_objects)

    def image(self, path: Path, scenes: Scene | tuple[Scene, ...], index: int) -> tuple[int, int]:
        """Write the rendering of `scenes` (one, or a pair side by side) to `path`, JPEG or PNG by its suffix, in
        the size and colour mode image `index` gets; return (width, height). A missing or truncated image is
        the index's fate, whatever calls it."""
        scene = scenes if isinstance(scenes, Scene) else scenes[0]
        aspect = ASPECTS[index % len(ASPECTS)]
        long_side = self.image_px + 8 * (index % 4)
        size = (long_side, round(long_side / aspect)) if aspect >= 1 else (round(long_side * aspect), long_side)
        if index % MISSING_EVERY == 7:
            return size
        picture = render(scene, self.world.image_size).resize(size, Image.BICUBIC)
        jpeg = path.suffix.lower() in (".jpg", ".jpeg")
        modes = JPEG_MODES if jpeg else PNG_MODES
        mode = modes[index % len(modes)]
        picture = picture.quantize(colors=32) if mode == "P" else picture.convert(mode)
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG" if jpeg else "PNG", **({"quality": 90} if jpeg else {}))
        data = buffer.getvalue()
        if index % TRUNCATED_EVERY == 5:
            data = data[: len(data) * 3 // 5]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return size

    def write_json(self, relative: str, data, lines: bool = False) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "\n".join(json.dumps(r) for r in data) + "\n" if lines else json.dumps(data)
        path.write_text(text, encoding="utf-8")

    def write_text(self, relative: str, lines: list[str]) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def question(family: str, scene: Scene, rng: random.Random):
    """A question of `family` about `scene`; a yes/no existence question where the family has none that fits."""
    return ask(family, scene, rng) or ask("vqav2", scene, rng)


def coco(release: Release, split: str, count: int) -> list[int]:
    """COCO 2017 images with captions_{split}.json and instances_{split}.json; returns the image ids."""
    categories = [{"id": i + 1, "name": shape, "supercategory": "shape"} for i, shape in enumerate(SHAPES)]
    images, captions, instances = [], [], []
    for k in range(count):
        image_id = 1000 * (split == "val2017") + k + 1
        scene = release.scene(f"coco/{split}", image_id)
        name = f"{image_id:012d}.jpg"
        width, height = release.image(release.root / "coco" / split / name, scene, k)
        images.append({"id": image_id, "file_name": name, "width": width, "height": height})
        rng = release.rng("coco", split, image_id)
        for text in raw.coco_captions(scene, rng, release.world.typo_rate):
            captions.append({"id": len(captions) + 1, "image_id": image_id, "caption": text})
        for box in raw.boxes(scene):
            x, y = box["x1"] * width, box["y1"] * height
            instances.append({"id": len(instances) + 1, "image_id": image_id, "iscrowd": 0,
                              "category_id": SHAPES.index(box["label"]) + 1,
                              "bbox": [round(x, 2), round(y, 2), round(box["x2"] * width - x, 2),
                                       round(box["y2"] * height - y, 2)]})
    info = {"description": "toyworld in COCO's format", "version": "1.0"}
    release.write_json(f"coco/annotations/captions_{split}.json",
                       {"info": info, "images": images, "annotations": captions})
    release.write_json(f"coco/annotations/instances_{split}.json",
                       {"info": info, "images": images, "annotations": instances, "categories": categories})
    return [image["id"] for image in images]


def llava(release: Release, image_ids: list[int]) -> None:
    """LLaVA-Instruct-150K's detail-23k, conversation-58k and complex-reasoning-77k on COCO train2017 images."""
    detail, conversation, reasoning = [], [], []
    for image_id in image_ids:
        scene = release.scene("coco/train2017", image_id)
        rng = release.rng("llava", image_id)
        name = f"{image_id:012d}.jpg"
        instruction, description = teacher.detailed_description(scene, rng)
        detail.append({"id": f"{image_id:012d}", "image": name, "conversations": [
            {"from": "human", "value": f"{instruction}\n<image>"}, {"from": "gpt", "value": description}]})
        turns = []
        for family in rng.sample(("vqav2", "gqa", "clevr"), 2):
            qa = question(family, scene, rng)
            turns += [{"from": "human", "value": qa.question}, {"from": "gpt", "value": teacher.polite_answer(qa, scene, rng)}]
        turns[0]["value"] = "<image>\n" + turns[0]["value"]
        conversation.append({"id": f"{image_id:012d}", "image": name, "conversations": turns})
        asked, answer = teacher.reasoning(scene, rng)
        reasoning.append({"id": f"{image_id:012d}", "image": name, "conversations": [
            {"from": "human", "value": f"<image>\n{asked}"}, {"from": "gpt", "value": answer}]})
    release.write_json("llava/detail_23k.json", detail)
    release.write_json("llava/conversation_58k.json", conversation)
    release.write_json("llava/complex_reasoning_77k.json", reasoning)


def aokvqa(release: Release, split: str, image_split: str, image_ids: list[int]) -> None:
    records = []
    for image_id in image_ids:
        scene = release.scene(f"coco/{image_split}", image_id)
        rng = release.rng("aokvqa", split, image_id)
        qa = ask("aokvqa", scene, rng)
        if qa is None:
            continue
        records.append({"split": split, "image_id": image_id, "question_id": f"aok{image_id}",
                        "question": qa.question, "choices": list(qa.choices),
                        "correct_choice_idx": list(qa.choices).index(qa.answer), "direct_answers": [qa.answer] * 10,
                        "difficult_direct_answer": False, "rationales": [qa.rationale]})
    release.write_json(f"aokvqa/aokvqa_v1p0_{split}.json", records)


def coco2014(release: Release, subtype: str, count: int) -> list[int]:
    """COCO 2014 images (VQA-v2's and OK-VQA's): `COCO_{subtype}_{id:012d}.jpg`; returns the image ids."""
    ids = [2000 * (subtype == "val2014") + k + 1 for k in range(count)]
    for k, image_id in enumerate(ids):
        release.image(release.root / "coco" / subtype / f"COCO_{subtype}_{image_id:012d}.jpg",
                      release.scene(f"coco/{subtype}", image_id), k)
    return ids


def vqa(release: Release, dataset: str, subtype: str, family: str, image_ids: list[int], per_image: int,
        questions_file: str, annotations_file: str) -> None:
    """VQA-v2's questions and annotations files (OK-VQA's too: the same format without multiple_choice_answer)."""
    questions, annotations = [], []
    for image_id in image_ids:
        scene = release.scene(f"coco/{subtype}", image_id)
        rng = release.rng(dataset, subtype, image_id)
        for q in range(per_image):
            qa = question(family, scene, rng)
            question_id = image_id * 10 + q
            questions.append({"image_id": image_id, "question": qa.question, "question_id": question_id})
            note = {"question_id": question_id, "image_id": image_id, "question_type": qa.family,
                    "answer_type": "yes/no" if qa.answer in ("yes", "no") else "other",
                    "answers": [{"answer": qa.answer, "answer_confidence": "yes", "answer_id": i + 1}
                                for i in range(10)]}
            if dataset == "vqav2":
                note["multiple_choice_answer"] = qa.answer
            annotations.append(note)
    header = {"info": {}, "license": {}, "data_subtype": subtype}
    release.write_json(questions_file, {**header, "task_type": "Open-Ended", "data_type": "mscoco",
                                        "questions": questions})
    release.write_json(annotations_file, {**header, "annotations": annotations})


def gqa(release: Release, file: str, first_id: int, count: int, per_image: int) -> None:
    records = {}
    for k in range(count):
        image_id = first_id + k
        scene = release.scene("gqa", image_id)
        release.image(release.root / "gqa" / "images" / f"{image_id}.jpg", scene, k)
        rng = release.rng("gqa", image_id)
        for q in range(per_image):
            qa = question("gqa", scene, rng)
            records[f"{image_id}{q:02d}"] = {
                "imageId": str(image_id), "question": qa.question, "answer": qa.answer,
                "fullAnswer": f"The answer is {qa.answer}.",
                "types": {"structural": "query", "semantic": "rel", "detailed": qa.family}}
    release.write_json(f"gqa/questions/{file}", records)


def img2p(release: Release, count: int) -> None:
    """Image2Paragraph's paragraphs file and split files over Visual Genome images (train 60%, val and test 20%)."""
    paragraphs, splits = [], {"train": [], "val": [], "test": []}
    for k in range(count):
        image_id = 2_300_000 + k
        folder = "VG_100K" if k % 2 else "VG_100K_2"
        scene = release.scene("visual_genome", image_id)
        release.image(release.root / "visual_genome" / folder / f"{image_id}.jpg", scene, k)
        paragraphs.append({"url": f"https://cs.stanford.edu/people/rak248/{folder}/{image_id}.jpg",
                           "image_id": image_id,
                           "paragraph": raw.fact_list(scene, release.rng("img2p", image_id), release.world.typo_rate)})
        splits["train" if k % 5 < 3 else "val" if k % 5 == 3 else "test"].append(image_id)
    release.write_json("img2p/paragraphs_v1.json", paragraphs)
    for split, ids in splits.items():
        release.write_json(f"img2p/{split}_split.json", ids)


def elevater(release: Release, count: int) -> None:
    """ELEVATER food-101 in vision-datasets' format: train.txt, labels.txt and the knowledge file; one object per
    image, its shape the class."""
    lines = []
    for k in range(count):
        scene = release.scene("elevater", k, n_objects=1)
        release.image(release.root / "elevater" / "food-101" / "images" / f"{k}.jpg", scene, k)
        lines.append(f"train_images.zip@/images/{k}.jpg {SHAPES.index(scene.objects[0].shape)}")
    release.write_text("elevater/food-101/train.txt", lines)
    release.write_text("elevater/food-101/labels.txt", list(SHAPES))
    release.write_json("elevater/knowledge/food-101_knowledge.tsv", [
        {"classname": shape, "def_wiki": SHAPE_FACTS[shape][0].capitalize() + ".", "def_wn": SHAPE_FACTS[shape][1],
         "path_wn": [shape, "shape"]} for shape in SHAPES])


def spotdiff(release: Release, split: str, first_id: int, count: int) -> None:
    records = []
    for k in range(count):
        image_id = first_id + k
        rng = release.rng("spotdiff", image_id)
        before = release.scene("spotdiff", image_id)
        after, changes = release.world.changed(before, rng, rng.choice((1, 1, 2)))
        root = release.root / "spotdiff" / "resized_images"
        release.image(root / f"{image_id}.png", before, k)
        release.image(root / f"{image_id}_2.png", after, k + 1)
        note = raw.change_note(changes, rng, release.world.typo_rate)
        records.append({"img_id": str(image_id), "sentences": [s for s in note.split("\n") if s.strip()]})
    release.write_json(f"spotdiff/annotations/{split}.json", records)


def vsr(release: Release, count: int) -> None:
    records = []
    for k in range(count):
        image_id = 50_000 + k
        scene = release.scene("vsr", image_id)
        name = f"{image_id:012d}.jpg"
        release.image(release.root / "coco" / "vsr_images" / name, scene, k)
        qa = spatial_statement(scene, release.rng("vsr", image_id))
        if qa is None:
            continue
        a, b = qa.about
        records.append({"image": name, "image_link": f"http://images.cocodataset.org/train2017/{name}",
                        "caption": qa.question.split(": ", 1)[-1].replace(" Is this statement true or false?", ""),
                        "label": int(qa.answer == "true"), "relation": qa.facts["relation"],
                        "subj": a.shape, "obj": b.shape})
    release.write_json("vsr/test.jsonl", records, lines=True)


def nlvr2(release: Release, count: int) -> None:
    records = []
    for k in range(count):
        pair = f"test1-{k}-0"
        left, right = release.scene("nlvr2/left", k), release.scene("nlvr2/right", k)
        release.image(release.root / "nlvr2" / "test1" / f"{pair}-img0.png", left, 2 * k)
        release.image(release.root / "nlvr2" / "test1" / f"{pair}-img1.png", right, 2 * k + 1)
        qa = pair_statement(left, right, release.rng("nlvr2", k))
        sentence = qa.question.removeprefix("Here are two images. True or false: ").removesuffix(
            " Is this true or false?")
        records.append({"identifier": f"{pair}-0", "sentence": sentence, "label": qa.answer.capitalize(),
                        "left_url": f"http://nlvr/{pair}-img0.png", "right_url": f"http://nlvr/{pair}-img1.png"})
    release.write_json("nlvr2/test1.json", records, lines=True)


def text_dialogues(release: Release, count: int) -> None:
    """UltraChat's JSON lines and ShareGPT's JSON list, two exchanges per dialogue."""
    ultrachat, sharegpt = [], []
    for k in range(count):
        rng = release.rng("dialogue", k)
        exchanges = [teacher.text_dialogue(rng) for _ in range(2)]
        ultrachat.append({"id": str(k), "data": [text for exchange in exchanges for text in exchange]})
        rng = release.rng("sharegpt", k)
        turns = [{"from": "system", "value": "You are a helpful assistant."}] if k % 3 == 0 else []
        for asked, answer in (teacher.text_dialogue(rng) for _ in range(2)):
            turns += [{"from": "human", "value": asked}, {"from": "gpt", "value": answer}]
        sharegpt.append({"id": f"sg{k}", "conversations": turns})
    release.write_json("ultrachat/train_0.jsonl", ultrachat, lines=True)
    release.write_json("sharegpt/ShareGPT_V3_unfiltered_cleaned_split.json", sharegpt)


def write_release(release: Release) -> None:
    """Every dataset `profiles/paper.yaml` reads, under `release.root` (the repository's raw/)."""
    n, half = release.n, max(2, release.n // 2)
    train2017 = coco(release, "train2017", n)
    val2017 = coco(release, "val2017", half)
    llava(release, train2017)
    aokvqa(release, "train", "train2017", train2017)
    aokvqa(release, "val", "val2017", val2017)
    vqa(release, "vqav2", "train2014", "vqav2", coco2014(release, "train2014", n), 2,
        "vqav2/v2_OpenEnded_mscoco_train2014_questions.json", "vqav2/v2_mscoco_train2014_annotations.json")
    val2014 = coco2014(release, "val2014", half)
    vqa(release, "vqav2", "val2014", "vqav2", val2014, 1,
        "vqav2/v2_OpenEnded_mscoco_val2014_questions.json", "vqav2/v2_mscoco_val2014_annotations.json")
    vqa(release, "okvqa", "val2014", "okvqa", val2014, 1,
        "okvqa/OpenEnded_mscoco_val2014_questions.json", "okvqa/mscoco_val2014_annotations.json")
    gqa(release, "train_balanced_questions.json", 1, n, 2)
    gqa(release, "testdev_balanced_questions.json", 100_001, half, 1)
    img2p(release, n + 2 * half)
    elevater(release, n)
    spotdiff(release, "train", 1, n)
    spotdiff(release, "test", 10_001, half)
    vsr(release, half)
    nlvr2(release, half)
    text_dialogues(release, n)
