"""Real-dataset loaders (pfutils.loaders) on tiny fixtures written here in each dataset's released format.

Each fixture holds one or two good records, one malformed record and one whose image file is missing; the tests
check the exact mapped rows, the rejects with their reasons, and the errors for missing downloads.
"""
import ast
import json
from pathlib import Path

import pytest
from PIL import Image
from pydantic import ValidationError

import pfutils.loaders
from pfutils.loaders import DOWNLOADS, LOADERS, REPLACES
from pfutils.loaders.common import answer_type, choose, hold_out, majority
from pfutils.loaders.config import SourceConfig
from pfutils.loaders.nlvr2 import PAIR_TEMPLATES
from pfutils.loaders.stage import (
    build_real_source,
    missing_downloads,
    require_downloads,
)
from pfutils.loaders.vsr import STATEMENT_TEMPLATES
from pfutils.prompts import CAPTION_INSTRUCTIONS, CHANGE_INSTRUCTIONS, PARAGRAPH_INSTRUCTIONS
from pfutils.schema import FEATURES, dataset_from_rows, sample
from pfutils.toyworld.sources import SOURCES


def png(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4), (200, 30, 30)).save(path)
    return str(path)


def write_json(path: Path, data) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def write_lines(path: Path, lines: list[str]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def jsonl(records: list) -> list[str]:
    return [r if isinstance(r, str) else json.dumps(r) for r in records]


def reject(dataset: str, id_: str, reason: str) -> dict:
    return {"dataset": dataset, "id": id_, "reason": reason}


# ---- fixtures in the released formats: each returns the loader's files and image root ------------------------

def coco_files(tmp: Path) -> dict:
    """COCO 2014 style: captions_val2014.json + instances_val2014.json; image 7's file is absent."""
    root = tmp / "coco" / "val2014"
    png(root / "COCO_val2014_000000000042.jpg")
    captions = write_json(tmp / "coco" / "captions_val2014.json", {
        "images": [{"id": 42, "file_name": "COCO_val2014_000000000042.jpg", "width": 200, "height": 100},
                   {"id": 7, "file_name": "COCO_val2014_000000000007.jpg", "width": 10, "height": 10},
                   {"id": 9, "width": 10, "height": 10}],
        "annotations": [{"id": 1, "image_id": 42, "caption": " A dog on a couch. "},
                        {"id": 2, "image_id": 42, "caption": "a brown dog sleeping"},
                        {"id": 3, "image_id": 7, "caption": "a cat"},
                        {"id": 4, "image_id": 9, "caption": "a bus"},
                        {"id": 99, "caption": "no image named"}]})
    instances = write_json(tmp / "coco" / "instances_val2014.json", {
        "images": [], "categories": [{"id": 18, "name": "dog"}, {"id": 63, "name": "couch"}],
        "annotations": [{"id": 10, "image_id": 42, "category_id": 18, "bbox": [20, 10, 100, 50]},
                        {"id": 11, "image_id": 42, "category_id": 63, "bbox": [150, 50, 100, 80]}]})
    return {"files": {"captions": captions, "instances": instances}, "image_root": str(root)}


DOG_BOXES = [{"label": "dog", "x1": 0.1, "y1": 0.1, "x2": 0.6, "y2": 0.6},
             {"label": "couch", "x1": 0.75, "y1": 0.5, "x2": 1.0, "y2": 1.0}]


def llava_images(tmp: Path) -> Path:
    root = tmp / "coco" / "train2017"
    png(root / "000000000042.jpg")
    return root


def llava_conv_files(tmp: Path) -> dict:
    root = llava_images(tmp)
    data = write_json(tmp / "llava" / "conversation_58k.json", [
        {"id": "000000000042", "image": "000000000042.jpg", "conversations": [
            {"from": "human", "value": "<image>\nWhat is the dog doing?"},
            {"from": "gpt", "value": "The dog is sleeping on the couch."},
            {"from": "human", "value": "What colour is it?"},
            {"from": "gpt", "value": "It is brown."}]},
        {"id": "000000000043", "image": "000000000043.jpg", "conversations": [
            {"from": "human", "value": "<image>\nWhat is this?"}, {"from": "gpt", "value": "A cat."}]},
        {"id": "000000000044", "image": "000000000042.jpg", "conversations": [
            {"from": "human", "value": "<image>\nUnanswered?"}]}])
    return {"files": {"data": data}, "image_root": str(root)}


def llava_reasoning_files(tmp: Path) -> dict:
    root = llava_images(tmp)
    data = write_json(tmp / "llava" / "complex_reasoning_77k.json", [
        {"id": "000000000042", "image": "000000000042.jpg", "conversations": [
            {"from": "human", "value": "Why might the dog be tired?\n<image>"},
            {"from": "gpt", "value": "It may have played outside all day."}]},
        {"id": "000000000045", "conversations": [
            {"from": "human", "value": "<image>\nWhy?"}, {"from": "gpt", "value": "Because."}]}])
    return {"files": {"data": data}, "image_root": str(root)}


def llava_detail_files(tmp: Path) -> dict:
    coco = coco_files(tmp)
    root = llava_images(tmp)
    png(root / "000000000008.jpg")
    data = write_json(tmp / "llava" / "detail_23k.json", [
        {"id": "000000000042", "image": "000000000042.jpg", "conversations": [
            {"from": "human", "value": "Describe the following image.\n<image>"},
            {"from": "gpt", "value": "A brown dog sleeps on a couch.\n\nIn addition, the room is quiet."}]},
        {"id": "000000000008", "image": "000000000008.jpg", "conversations": [
            {"from": "human", "value": "<image>\nDescribe the image."}, {"from": "gpt", "value": "A room."}]}])
    return {"files": {"data": data, **coco["files"]}, "image_root": str(root)}


def ultrachat_files(tmp: Path) -> dict:
    data = write_lines(tmp / "ultrachat" / "train_0.jsonl", jsonl([
        {"id": "0", "data": ["How do plants grow?", "Plants grow by photosynthesis.", "Why green?",
                             "Because of chlorophyll."]},
        "{not json",
        {"id": "2", "data": "a single string"},
        {"id": "3", "data": ["Only a question?"]}]))
    return {"files": {"data": data}}


def sharegpt_files(tmp: Path) -> dict:
    data = write_json(tmp / "sharegpt" / "sharegpt.json", [
        {"id": "abc", "conversations": [
            {"from": "system", "value": "You are ChatGPT."},
            {"from": "human", "value": "Write a haiku about rain."},
            {"from": "gpt", "value": "Soft rain on the roof,\nquiet drums of the evening,\nthe garden drinks deep."},
            {"from": "human", "value": "Now one about snow."},
            {"from": "gpt", "value": "White hush on the hills."}]},
        {"id": "def"},
        {"id": "ghi", "conversations": [{"from": "gpt", "value": "Hello!"}]},
        {"id": "jkl", "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "  "}]}])
    return {"files": {"data": data}}


def elevater_files(tmp: Path) -> dict:
    root = tmp / "elevater" / "caltech-101"
    png(root / "images" / "1.png")
    png(root / "images" / "2.png")
    images = write_lines(root / "train_images.txt", [
        "train_images.zip@/images/1.png 0", "images/2.png 1", "images/3.png 5", "images/missing.png 0", "garbage"])
    labelmap = write_lines(root / "labelmap.txt", ["cat", "dog"])
    knowledge = write_json(tmp / "elevater" / "knowledge" / "caltech-101_knowledge.tsv", [
        {"classname": "cat", "def_wiki": "A small domesticated carnivorous mammal.", "def_wn": "feline mammal",
         "path_wn": ["cat", "feline"]},
        {"classname": "dog", "def_wiki": "", "def_wn": "a member of the genus Canis", "path_wn": []}])
    return {"files": {"images": images, "labelmap": labelmap, "knowledge": knowledge}, "image_root": str(root)}


def spotdiff_files(tmp: Path) -> dict:
    root = tmp / "spotdiff" / "resized_images"
    for name in ("12.png", "12_2.png", "15.jpg", "15_2.jpg", "14.png"):
        png(root / name)
    annotations = write_json(tmp / "spotdiff" / "data" / "annotations" / "val.json", [
        {"img_id": "12", "sentences": ["the car is gone ", "", "a man appeared"]},
        {"img_id": "13", "sentences": ["", " "]},
        {"img_id": "14", "sentences": ["the tree is gone"]},
        {"img_id": "15", "sentences": ["the door is open"]}])
    return {"files": {"annotations": annotations}, "image_root": str(root)}


def aokvqa_files(tmp: Path) -> dict:
    root = tmp / "coco" / "val2017"
    png(root / "000000000042.jpg")
    annotations = write_json(tmp / "aokvqa" / "aokvqa_v1p0_val.json", [
        {"split": "val", "image_id": 42, "question_id": "q1", "question": "Why is the dog on the couch?",
         "choices": ["to rest", "to eat", "to swim", "to fly"], "correct_choice_idx": 0,
         "direct_answers": ["rest"] * 10, "difficult_direct_answer": False,
         "rationales": ["The dog looks tired. ", "Couches are soft."]},
        {"split": "test", "image_id": 42, "question_id": "q2", "question": "What?", "choices": ["a", "b"],
         "rationales": ["r"]},
        {"split": "val", "image_id": 42, "question_id": "q3", "question": "Which?", "choices": ["a", "b"],
         "correct_choice_idx": 4, "rationales": ["r"]},
        {"split": "val", "image_id": 43, "question_id": "q4", "question": "Where?", "choices": ["a", "b"],
         "correct_choice_idx": 1, "rationales": ["r"]}])
    return {"files": {"annotations": annotations}, "image_root": str(root)}


def vqa_files(tmp: Path, name: str) -> dict:
    """VQA-v2 format (OK-VQA shares it; OK-VQA annotations have no multiple_choice_answer)."""
    root = tmp / "coco" / "val2014"
    png(root / "COCO_val2014_000000000042.jpg")
    questions = write_json(tmp / name / "questions.json", {
        "info": {}, "task_type": "Open-Ended", "data_type": "mscoco", "data_subtype": "val2014", "license": {},
        "questions": [{"image_id": 42, "question": "How many dogs are there? ", "question_id": 420},
                      {"image_id": 42, "question": "Is the dog asleep?", "question_id": 421},
                      {"image_id": 42, "question": "Unanswered?", "question_id": 422},
                      {"image_id": 7, "question": "What is this?", "question_id": 70}]})
    def answers(*texts):
        return [{"answer": t, "answer_confidence": "yes", "answer_id": i + 1} for i, t in enumerate(texts)]
    notes = [{"question_id": 420, "image_id": 42, "question_type": "how many", "answer_type": "number",
              "answers": answers("1", "2", "2", "two")},
             {"question_id": 421, "image_id": 42, "question_type": "is the", "answer_type": "yes/no",
              "answers": answers("yes", "no", "yes")},
             {"question_id": 70, "image_id": 7, "question_type": "what is this", "answer_type": "other",
              "answers": answers("cat")}]
    if name == "vqav2":
        notes[0]["multiple_choice_answer"] = "1"  # the released consensus wins over a plain count
        notes[1]["multiple_choice_answer"] = "yes"
    annotations = write_json(tmp / name / "annotations.json", {"info": {}, "license": {}, "data_subtype": "val2014",
                                                               "annotations": notes})
    return {"files": {"questions": questions, "annotations": annotations}, "image_root": str(root)}


def gqa_files(tmp: Path) -> dict:
    root = tmp / "gqa" / "images"
    png(root / "2375429.jpg")
    questions = write_json(tmp / "gqa" / "questions1.2" / "val_balanced_questions.json", {
        "201307251": {"imageId": "2375429", "question": "What is on the table?", "answer": "cup",
                      "fullAnswer": "The cup is on the table.",
                      "types": {"structural": "query", "semantic": "rel", "detailed": "relS"}},
        "201307252": {"imageId": "2375429", "question": "Is the cup white?", "fullAnswer": "Yes, it is."},
        "201307253": {"imageId": "9999", "question": "Is it red?", "answer": "no", "types": {}}})
    return {"files": {"questions": questions}, "image_root": str(root)}


def vsr_files(tmp: Path) -> dict:
    root = tmp / "vsr" / "images"
    png(root / "000000050403.jpg")
    data = write_lines(tmp / "vsr" / "test.jsonl", jsonl([
        {"image": "000000050403.jpg", "image_link": "http://images.cocodataset.org/train2017/000000050403.jpg",
         "caption": "The teddy bear is in front of the person.", "label": 1, "relation": "in front of",
         "subj": "teddy bear", "obj": "person"},
        {"image": "000000050403.jpg", "caption": "The person is under the teddy bear.", "label": 0,
         "relation": "under"},
        {"image": "000000050403.jpg", "caption": "The bear is left of the cup.", "label": 2},
        {"image": "000000000001.jpg", "caption": "The cat is on the mat.", "label": 1}]))
    return {"files": {"data": data}, "image_root": str(root)}


def img2p_files(tmp: Path) -> dict:
    root = tmp / "vg"
    png(root / "VG_100K" / "1.jpg")
    paragraphs = write_json(tmp / "img2p" / "paragraphs_v1.json", [
        {"url": "https://cs.stanford.edu/people/rak248/VG_100K/1.jpg", "image_id": 1,
         "paragraph": "A man stands on a street. He wears a red coat. "},
        {"url": "https://cs.stanford.edu/people/rak248/VG_100K/2.jpg", "image_id": 2, "paragraph": "Other split."},
        {"url": "https://cs.stanford.edu/people/rak248/VG_100K_2/3.jpg", "image_id": 3},
        {"url": "https://cs.stanford.edu/people/rak248/VG_100K_2/4.jpg", "image_id": 4, "paragraph": "A dog."}])
    split_ids = write_json(tmp / "img2p" / "test_split.json", [1, 3, 4])
    return {"files": {"paragraphs": paragraphs, "split_ids": split_ids}, "image_root": str(root)}


def nlvr2_files(tmp: Path) -> dict:
    root = tmp / "nlvr2" / "images" / "train"
    png(root / "99" / "train-10171-0-img0.png")
    png(root / "99" / "train-10171-0-img1.png")
    data = write_lines(tmp / "nlvr2" / "data" / "train.json", jsonl([
        {"identifier": "train-10171-0-0", "directory": 99, "sentence": "One image shows exactly two dogs. ",
         "label": "True", "left_url": "http://a/left.jpg", "right_url": "http://a/right.jpg"},
        {"identifier": "train-10171-0-1", "directory": 99, "sentence": "Both images show cats.", "label": "False"},
        {"identifier": "train-10171-0-2", "directory": 99, "sentence": "Hm.", "label": "maybe"},
        {"identifier": "train-555-1-0", "directory": 12, "sentence": "There is a bird.", "label": "True"}]))
    return {"files": {"data": data}, "image_root": str(root)}


FIXTURES = {
    "coco": coco_files, "img2p": img2p_files, "elevater": elevater_files, "spotdiff": spotdiff_files,
    "aokvqa": aokvqa_files, "vqav2": lambda tmp: vqa_files(tmp, "vqav2"), "gqa": gqa_files,
    "okvqa": lambda tmp: vqa_files(tmp, "okvqa"), "vsr": vsr_files, "nlvr2": nlvr2_files,
    "llava_detail": llava_detail_files, "llava_conv": llava_conv_files, "llava_reasoning": llava_reasoning_files,
    "ultrachat": ultrachat_files, "sharegpt": sharegpt_files,
}
def load(name: str, tmp: Path, split: str = "test", **options):
    fixture = FIXTURES[name](tmp)
    root = {"image_root": fixture["image_root"]} if "image_root" in fixture else {}
    return LOADERS[name](**fixture["files"], **root, split=split, **options)


# ---- exact mappings, one test per loader ---------------------------------------------------------------------

def test_coco_captions_and_boxes(tmp_path):
    rows, rejects = load("coco", tmp_path, split="train")
    image = str(tmp_path / "coco" / "val2014" / "COCO_val2014_000000000042.jpg")
    assert rows == [sample(id="coco/train/0", dataset="coco", category="captioning", split="train", task="caption",
                           images=[image], instruction=choose(CAPTION_INSTRUCTIONS, "coco/42"),
                           response="A dog on a couch.\na brown dog sleeping",
                           captions=["A dog on a couch.", "a brown dog sleeping"], boxes=DOG_BOXES)]
    missing = tmp_path / "coco" / "val2014" / "COCO_val2014_000000000007.jpg"
    assert rejects == [reject("coco", "caption annotation 99", "annotation without image_id"),
                       reject("coco", "7", f"missing image file {missing}"),
                       reject("coco", "9", "missing field 'file_name'")]


def test_llava_conversation_first_or_all_exchanges(tmp_path):
    rows, rejects = load("llava_conv", tmp_path, split="train")
    image = str(tmp_path / "coco" / "train2017" / "000000000042.jpg")
    first = sample(id="llava_conv/train/0", dataset="llava_conv", category="polite_multimodal", split="train",
                   task="conversation", images=[image], instruction="What is the dog doing?",
                   response="The dog is sleeping on the couch.")
    assert rows == [first]
    assert rejects == [
        reject("llava_conv", "000000000043",
               f"missing image file {tmp_path / 'coco' / 'train2017' / '000000000043.jpg'}"),
        reject("llava_conv", "000000000044", "no human turn answered by a gpt turn")]
    rows, _ = load("llava_conv", tmp_path, split="train", turns="all")
    assert [(r["id"], r["instruction"], r["response"]) for r in rows] == [
        ("llava_conv/train/0", "What is the dog doing?", "The dog is sleeping on the couch."),
        ("llava_conv/train/1", "What colour is it?", "It is brown.")]
    with pytest.raises(ValueError, match="turns must be one of"):
        load("llava_conv", tmp_path, turns="second")


def test_llava_reasoning(tmp_path):
    rows, rejects = load("llava_reasoning", tmp_path, split="val")
    assert rows == [sample(id="llava_reasoning/val/0", dataset="llava_reasoning", category="polite_multimodal",
                           split="val", task="reasoning",
                           images=[str(tmp_path / "coco" / "train2017" / "000000000042.jpg")],
                           instruction="Why might the dog be tired?",
                           response="It may have played outside all day.")]
    assert rejects == [reject("llava_reasoning", "000000000045", "missing field 'image'")]


def test_llava_detail_carries_coco_captions_and_boxes(tmp_path):
    rows, rejects = load("llava_detail", tmp_path, split="train")
    assert rows == [sample(id="llava_detail/train/0", dataset="llava_detail", category="polite_multimodal",
                           split="train", task="detailed_description",
                           images=[str(tmp_path / "coco" / "train2017" / "000000000042.jpg")],
                           instruction="Describe the following image.",
                           response="A brown dog sleeps on a couch.\n\nIn addition, the room is quiet.",
                           captions=["A dog on a couch.", "a brown dog sleeping"], boxes=DOG_BOXES)]
    assert rejects == [reject("llava_detail", "000000000008", "no COCO captions for image 8")]


def test_ultrachat(tmp_path):
    rows, rejects = load("ultrachat", tmp_path, split="train")
    assert rows == [sample(id="ultrachat/train/0", dataset="ultrachat", category="polite_text", split="train",
                           task="dialogue", instruction="How do plants grow?",
                           response="Plants grow by photosynthesis.")]
    assert [(r["id"], r["reason"].split(":")[0]) for r in rejects] == [
        ("line 2", "invalid JSON"), ("2", "'data' is not a list of strings"),
        ("3", "no human turn answered by a gpt turn")]
    rows, _ = load("ultrachat", tmp_path, split="train", turns="all")
    assert [(r["instruction"], r["response"]) for r in rows] == [
        ("How do plants grow?", "Plants grow by photosynthesis."), ("Why green?", "Because of chlorophyll.")]


def test_sharegpt_skips_system_turns(tmp_path):
    rows, rejects = load("sharegpt", tmp_path, split="train", turns="all")
    assert rows == [
        sample(id="sharegpt/train/0", dataset="sharegpt", category="polite_text", split="train", task="dialogue",
               instruction="Write a haiku about rain.",
               response="Soft rain on the roof,\nquiet drums of the evening,\nthe garden drinks deep."),
        sample(id="sharegpt/train/1", dataset="sharegpt", category="polite_text", split="train", task="dialogue",
               instruction="Now one about snow.", response="White hush on the hills.")]
    assert rejects == [reject("sharegpt", "def", "missing field 'conversations'"),
                       reject("sharegpt", "ghi", "no human turn answered by a gpt turn"),
                       reject("sharegpt", "jkl", "empty response")]


def test_elevater_class_and_knowledge(tmp_path):
    rows, rejects = load("elevater", tmp_path, split="train")
    root = tmp_path / "elevater" / "caltech-101"
    base = {"dataset": "elevater", "category": "classification", "split": "train", "task": "classification",
            "instruction": "What is this?"}
    assert rows == [
        sample(id="elevater/train/0", images=[str(root / "images" / "1.png")], answer="cat",
               response="a photo of a cat. A small domesticated carnivorous mammal.",
               knowledge="A small domesticated carnivorous mammal.", **base),
        sample(id="elevater/train/1", images=[str(root / "images" / "2.png")], answer="dog",
               response="a photo of a dog. a member of the genus Canis", knowledge="a member of the genus Canis",
               **base)]
    assert rejects == [
        reject("elevater", "line 3", "class index 5 is not in the labelmap (2 classes)"),
        reject("elevater", "line 4", f"missing image file {root / 'images' / 'missing.png'}"),
        reject("elevater", "line 5", "not '<image path> <class index>': 'garbage'")]


def test_spotdiff_pairs(tmp_path):
    rows, rejects = load("spotdiff", tmp_path, split="test")
    root = tmp_path / "spotdiff" / "resized_images"
    assert rows == [
        sample(id="spotdiff/test/0", dataset="spotdiff", category="change_captioning", split="test", task="change",
               images=[str(root / "12.png"), str(root / "12_2.png")],
               instruction=choose(CHANGE_INSTRUCTIONS, "spotdiff/12"), response="the car is gone\na man appeared"),
        sample(id="spotdiff/test/1", dataset="spotdiff", category="change_captioning", split="test", task="change",
               images=[str(root / "15.jpg"), str(root / "15_2.jpg")],
               instruction=choose(CHANGE_INSTRUCTIONS, "spotdiff/15"), response="the door is open")]
    assert rejects == [reject("spotdiff", "13", "no change sentences"),
                       reject("spotdiff", "14", f"missing image file {root / '14_2.png'}")]


def test_aokvqa_choices_and_rationales(tmp_path):
    rows, rejects = load("aokvqa", tmp_path, split="train")
    assert rows == [sample(
        id="aokvqa/train/0", dataset="aokvqa", category="vqa_rationale", split="train", task="aokvqa",
        images=[str(tmp_path / "coco" / "val2017" / "000000000042.jpg")],
        instruction="Why is the dog on the couch?\nChoices: to rest, to eat, to swim, to fly.",
        response="to rest. The dog looks tired. Couches are soft.", answer="to rest", answer_type="choice",
        choices=["to rest", "to eat", "to swim", "to fly"], rationale="The dog looks tired. Couches are soft.")]
    assert rejects == [
        reject("aokvqa", "q2", "missing field 'correct_choice_idx'"),
        reject("aokvqa", "q3", "correct_choice_idx 4 does not index the 2 choices"),
        reject("aokvqa", "q4", f"missing image file {tmp_path / 'coco' / 'val2017' / '000000000043.jpg'}")]


@pytest.mark.parametrize("name, category, count_answer", [("vqav2", "vqa_short", "1"),
                                                          ("okvqa", "heldout_vqa", "2")])
def test_vqa_format(tmp_path, name, category, count_answer):
    """VQA-v2 keeps its released consensus answer; OK-VQA (no consensus field) takes the majority answer."""
    rows, rejects = load(name, tmp_path, split="test")
    image = str(tmp_path / "coco" / "val2014" / "COCO_val2014_000000000042.jpg")
    base = {"dataset": name, "category": category, "split": "test", "images": [image]}
    assert rows == [
        sample(id=f"{name}/test/0", task="how many", instruction="How many dogs are there?", response=count_answer,
               answer=count_answer, answer_type="number", **base),
        sample(id=f"{name}/test/1", task="is the", instruction="Is the dog asleep?", response="yes", answer="yes",
               answer_type="boolean", **base)]
    assert rejects == [
        reject(name, "422", "no annotation for this question"),
        reject(name, "70", f"missing image file {tmp_path / 'coco' / 'val2014' / 'COCO_val2014_000000000007.jpg'}")]


def test_gqa(tmp_path):
    rows, rejects = load("gqa", tmp_path, split="train")
    assert rows == [sample(id="gqa/train/0", dataset="gqa", category="vqa_short", split="train", task="relS",
                           images=[str(tmp_path / "gqa" / "images" / "2375429.jpg")],
                           instruction="What is on the table?", response="cup", answer="cup")]
    assert rejects == [reject("gqa", "201307252", "missing field 'answer'"),
                       reject("gqa", "201307253", f"missing image file {tmp_path / 'gqa' / 'images' / '9999.jpg'}")]


def test_vsr_statements(tmp_path):
    rows, rejects = load("vsr", tmp_path, split="test")
    image = str(tmp_path / "vsr" / "images" / "000000050403.jpg")
    statements = ["The teddy bear is in front of the person.", "The person is under the teddy bear."]
    assert [(r["id"], r["category"], r["images"], r["response"], r["answer"], r["answer_type"]) for r in rows] == [
        ("vsr/test/0", "heldout_vqa", [image], "true", "true", "boolean"),
        ("vsr/test/1", "heldout_vqa", [image], "false", "false", "boolean")]
    assert [r["instruction"] for r in rows] == [
        choose(STATEMENT_TEMPLATES, f"vsr/000000050403.jpg/{s}").format(statement=s) for s in statements]
    assert set(STATEMENT_TEMPLATES) == {"{statement} Is this statement true or false?", "True or false: {statement}"}
    assert rejects == [
        reject("vsr", "line 3", "label 2 is not 0 or 1"),
        reject("vsr", "line 4", f"missing image file {tmp_path / 'vsr' / 'images' / '000000000001.jpg'}")]


def test_img2p_reads_only_its_split(tmp_path):
    rows, rejects = load("img2p", tmp_path, split="test")
    assert rows == [sample(id="img2p/test/0", dataset="img2p", category="captioning", split="test", task="paragraph",
                           images=[str(tmp_path / "vg" / "VG_100K" / "1.jpg")],
                           instruction=choose(PARAGRAPH_INSTRUCTIONS, "img2p/1"),
                           response="A man stands on a street. He wears a red coat.")]
    assert rejects == [reject("img2p", "3", "missing field 'paragraph'"),
                       reject("img2p", "4", f"missing image file {tmp_path / 'vg' / 'VG_100K_2' / '4.jpg'}")]


def test_nlvr2_image_pairs(tmp_path):
    rows, rejects = load("nlvr2", tmp_path, split="test")
    folder = tmp_path / "nlvr2" / "images" / "train" / "99"
    pair = [str(folder / "train-10171-0-img0.png"), str(folder / "train-10171-0-img1.png")]
    assert [(r["id"], r["category"], r["task"], r["images"], r["response"], r["answer_type"]) for r in rows] == [
        ("nlvr2/test/0", "heldout_multi_image", "pair_statement", pair, "true", "boolean"),
        ("nlvr2/test/1", "heldout_multi_image", "pair_statement", pair, "false", "boolean")]
    assert rows[0]["instruction"] == choose(PAIR_TEMPLATES, "nlvr2/train-10171-0-0").format(
        statement="One image shows exactly two dogs.")
    assert set(PAIR_TEMPLATES) == {"{statement} Is this true or false?",
                                   "Here are two images. True or false: {statement}"}
    missing = tmp_path / "nlvr2" / "images" / "train" / "12" / "train-555-1-img0.png"
    assert rejects == [reject("nlvr2", "train-10171-0-2", "label 'maybe' is not 'True' or 'False'"),
                       reject("nlvr2", "train-555-1-0", f"missing image file {missing}")]


# ---- what every loader shares -------------------------------------------------------------------------------

def test_every_loader_has_a_fixture_and_a_toyworld_analogue():
    assert set(FIXTURES) == set(LOADERS) == set(REPLACES)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_rows_fit_the_schema_and_the_toyworld_category(tmp_path, name):
    rows, rejects = load(name, tmp_path)
    assert rows and rejects, "each fixture has good and bad records"
    assert {r["category"] for r in rows} == {SOURCES[REPLACES[name]].category}
    assert all(set(r) == set(FEATURES) and r["dataset"] == name and r["scene"] == "" for r in rows)
    assert all("<image>" not in r["instruction"] + r["response"] for r in rows)
    assert all(set(r) == {"dataset", "id", "reason"} and r["reason"] for r in rejects)
    dataset = dataset_from_rows(rows, FEATURES)  # the HF dataset stage 00 saves
    assert dataset["id"] == [r["id"] for r in rows]
    assert [len(images) for images in dataset["images"]] == [len(r["images"]) for r in rows]


@pytest.mark.parametrize("name", sorted(n for n in LOADERS if n not in ("ultrachat", "sharegpt")))
def test_a_missing_image_root_names_the_path_and_the_download(tmp_path, name):
    fixture = FIXTURES[name](tmp_path)
    absent = tmp_path / "not_downloaded"
    with pytest.raises(FileNotFoundError) as error:
        LOADERS[name](**fixture["files"], image_root=absent, split="train")
    assert str(absent) in str(error.value) and "download" in str(error.value) and "https://" in str(error.value)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_a_missing_annotation_file_names_the_path_and_the_download(tmp_path, name):
    fixture = FIXTURES[name](tmp_path)
    key = next(iter(fixture["files"]))
    absent = tmp_path / "not_downloaded.json"
    files = {**fixture["files"], key: str(absent)}
    root = {"image_root": fixture["image_root"]} if "image_root" in fixture else {}
    with pytest.raises(FileNotFoundError, match="https://") as error:
        LOADERS[name](**files, **root, split="train")
    assert str(absent) in str(error.value)


def test_limit_caps_the_rows(tmp_path):
    rows, _ = load("sharegpt", tmp_path, turns="all", limit=1)
    assert [r["instruction"] for r in rows] == ["Write a haiku about rain."]


def test_helpers():
    assert [choose(("a", "b", "c"), key) for key in ("a", "b", "key")] == ["a", "c", "b"]  # crc32, not hash()
    assert [answer_type(a) for a in ("Yes", "false", "12", "two", "red")] == ["boolean", "boolean", "number", "", ""]
    assert majority(["2", "1", "2", "1", "3"]) == "2"


# ---- the params section ------------------------------------------------------------------------------------

def test_source_config_loads_the_source(tmp_path):
    fixture = FIXTURES["llava_conv"](tmp_path)
    config = SourceConfig(loader="llava_conv", split="train", turns="all", limit=5, **fixture)
    rows, rejects = config.load()
    assert [r["id"] for r in rows] == ["llava_conv/train/0", "llava_conv/train/1"] and len(rejects) == 2
    text = SourceConfig(loader="ultrachat", files=ultrachat_files(tmp_path)["files"], split="val")
    assert [r["split"] for r in text.load()[0]] == ["val"]


@pytest.mark.parametrize("fields, key, message", [
    ({"loader": "cocoo", "files": {}, "split": "train"}, "loader", "unknown loader 'cocoo'"),
    ({"loader": "vqav2", "files": {"questions": "q.json"}, "image_root": "i", "split": "train"}, "files",
     "reads ['questions', 'annotations']"),
    ({"loader": "gqa", "files": {"questions": "q.json"}, "split": "train"}, "image_root", "needs an image_root"),
    ({"loader": "sharegpt", "files": {"data": "d.json"}, "image_root": "i", "split": "train"}, "image_root",
     "is text-only"),
    ({"loader": "gqa", "files": {"questions": "q.json"}, "image_root": "i", "split": "train", "turns": "all"},
     "turns", "no dialogue turns"),
    ({"loader": "gqa", "files": {"questions": "q.json"}, "image_root": "i", "split": "dev"}, "split", "train"),
    ({"loader": "gqa", "files": {"questions": "q.json"}, "image_root": "i", "split": "train", "limit": 0},
     "limit", "greater than or equal to 1"),
    ({"loader": "sharegpt", "files": {"data": "d.json"}, "split": "train", "holdout": {"val": -1}}, "holdout.val",
     "greater than or equal to 0"),
    ({"loader": "sharegpt", "files": {"data": "d.json"}, "split": "train", "holdout": {"dev": 5}}, "holdout.dev",
     "Extra inputs"),
    ({"loader": "sharegpt", "files": {"data": "d.json"}, "split": "test", "holdout": {"val": 5}}, "holdout",
     "only a train source"),
])
def test_source_config_rejects_a_bad_key_by_name(fields, key, message):
    with pytest.raises(ValidationError) as error:
        SourceConfig(**fields)
    assert key in str(error.value) and message in str(error.value)


# ---- holdout: one released file fills train, val and test ---------------------------------------------------

def _grown(name: str, tmp: Path, n: int) -> dict:
    """The loader's fixture with `n` more good records in its released format, one exchange each."""
    fixture = FIXTURES[name](tmp)
    path = Path(fixture["files"]["data"])
    if name == "ultrachat":
        with open(path, "a", encoding="utf-8") as f:
            f.writelines(json.dumps({"id": f"x{i}", "data": [f"Question {i}?", f"Answer {i}."]}) + "\n"
                         for i in range(n))
    else:  # llava_conv
        records = json.loads(path.read_text(encoding="utf-8"))
        write_json(path, records + [{"id": f"x{i}", "image": "000000000042.jpg", "conversations": [
            {"from": "human", "value": f"<image>\nQuestion {i}?"}, {"from": "gpt", "value": f"Answer {i}."}]}
            for i in range(n)])
    return fixture


def _but_split(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("id", "split")}


@pytest.mark.parametrize("name", ["ultrachat", "llava_conv"])
def test_holdout_splits_one_file_disjointly_completely_and_deterministically(tmp_path, name):
    fixture = _grown(name, tmp_path, 40)
    every, rejects = SourceConfig(loader=name, split="train", **fixture).load()
    config = SourceConfig(loader=name, split="train", holdout={"val": 8, "test": 5}, **fixture)
    rows, held_rejects = config.load()
    # complete and disjoint: each loaded row once, in the file's order, changed only in its split and id
    assert [_but_split(r) for r in rows] == [_but_split(r) for r in every] and held_rejects == rejects
    by_split = {split: [r for r in rows if r["split"] == split] for split in ("train", "val", "test")}
    assert {split: len(r) for split, r in by_split.items()} == {"train": len(every) - 13, "val": 8, "test": 5}
    assert all([r["id"] for r in part] == [f"{name}/{split}/{i}" for i in range(len(part))]
               for split, part in by_split.items())
    assert [r["split"] for r in rows[:13]] != ["val"] * 8 + ["test"] * 5  # spread over the file, not its head
    # deterministic: the same file and config give the same partition, also from a fresh config
    assert config.load()[0] == rows and SourceConfig(**config.model_dump()).load()[0] == rows
    splits, _ = build_real_source(REPLACES[name], [config])
    assert {split: d.num_rows for split, d in splits.items()} == {"train": len(every) - 13, "val": 8, "test": 5}
    assert splits["val"]["instruction"] == [r["instruction"] for r in by_split["val"]]


def test_a_limit_caps_the_train_rows_and_the_held_out_rows_come_on_top(tmp_path):
    """The paper profile caps each raw dataset's train split at its Table 6 count while holding rows out of it
    for val: `limit` rows stay in train, the held-out ones are read besides them, and holding out more rows than
    the limit is no error."""
    fixture = _grown("ultrachat", tmp_path, 40)
    every, _ = SourceConfig(loader="ultrachat", split="train", **fixture).load()
    everything = [_but_split(r) for r in every]
    for limit, val, test in ((20, 8, 5), (3, 8, 5)):
        config = SourceConfig(loader="ultrachat", split="train", limit=limit, holdout={"val": val, "test": test},
                              **fixture)
        rows, _ = config.load()
        kept = [_but_split(r) for r in rows]
        assert len(kept) == limit + val + test and all(row in everything for row in kept)
        assert kept != everything[:len(kept)], "a limit samples the whole file, not its head"
        assert [sum(r["split"] == split for r in rows) for split in ("train", "val", "test")] == [limit, val, test]
        assert config.load()[0] == rows


def test_hold_out_ranks_rows_by_sha256_of_their_id(tmp_path):
    rows = [sample(id=f"d/train/{i}", dataset="d", split="train", instruction=str(i)) for i in range(10)]
    held = hold_out(rows, val=2, test=1)
    assert [(r["instruction"], r["id"]) for r in held if r["split"] != "train"] == [  # sha256: not salted per run
        ("0", "d/val/0"), ("5", "d/val/1"), ("9", "d/test/0")]
    assert hold_out(rows, 0, 0) == rows
    with pytest.raises(ValueError, match=r"holdout: val 8 \+ test 5 rows asked, but the source gave only 1"):
        SourceConfig(loader="ultrachat", split="train", holdout={"val": 8, "test": 5},
                     **ultrachat_files(tmp_path)).load()


# ---- stage 00 on real data: sources.real ---------------------------------------------------------------------

def _config(name: str, tmp: Path, split: str = "train") -> SourceConfig:
    fixture = FIXTURES[name](tmp)
    return SourceConfig(loader=name, files={k: str(v) for k, v in fixture["files"].items()},
                        image_root=str(fixture["image_root"]) if "image_root" in fixture else None, split=split)


def test_stage_lists_every_missing_download_before_loading(tmp_path):
    present = _config("vqav2", tmp_path)
    absent = SourceConfig(loader="coco", split="train", image_root=str(tmp_path / "no_images"),
                          files={"captions": str(tmp_path / "no_captions.json"),
                                 "instances": str(tmp_path / "no_instances.json")})
    missing = missing_downloads({"vqav2_like": [present], "coco_like": [absent]})
    assert len(missing) == 3 and all(line.startswith("sources.real.coco_like[0].") for line in missing)
    assert all(DOWNLOADS["coco"].url in line for line in missing)
    with pytest.raises(FileNotFoundError, match="no_captions.json"):
        require_downloads({"coco_like": [absent]})


def test_stage_fills_the_slot_by_split_and_keeps_rejects(tmp_path):
    train, test = _config("vqav2", tmp_path / "a", "train"), _config("vqav2", tmp_path / "b", "test")
    splits, rejects = build_real_source("vqav2_like", [train, test])
    rows, bad = train.load()
    assert set(splits) == {"train", "test"} and splits["train"].num_rows == len(rows)
    assert set(splits["train"]["dataset"]) == {"vqav2_like"} and splits["train"]["id"] == [r["id"] for r in rows]
    assert len(rejects) == 2 * len(bad) and {r["slot"] for r in rejects} == {"vqav2_like"}
    with pytest.raises(ValueError, match="vqav2 fills vqav2_like"):
        build_real_source("gqa_like", [train])


def test_paper_profile_stage_00_names_every_download_before_loading(root, monkeypatch, tmp_path):
    from pfutils.params import validate
    from pfutils.profiles import profile_params

    real = validate(profile_params("paper", root / "params.yaml", root / "profiles")).sources.real
    monkeypatch.chdir(tmp_path)  # nothing downloaded here
    with pytest.raises(FileNotFoundError) as error:
        require_downloads(real)
    lines = str(error.value).splitlines()[1:]
    assert len(lines) == len(missing_downloads(real)) >= sum(len(configs) for configs in real.values())
    assert {line.split(".")[2].split("[")[0] for line in lines} == set(real)  # every slot is named


def test_paper_profile_caps_each_raw_datasets_train_split_at_its_table_6_count(root):
    from pfutils.params import validate
    from pfutils.profiles import profile_params

    table_6 = {"coco_like": 59670, "img2p_like": 7954, "elevater_like": 21772, "spotdiff_like": 6787,
               "aokvqa_like": 14868, "vqav2_like": 210743, "gqa_like": 223244}
    real = validate(profile_params("paper", root / "params.yaml", root / "profiles")).sources.real
    assert {slot: [c.limit for c in real[slot] if c.split == "train"] for slot in table_6} == {
        slot: [count] for slot, count in table_6.items()}


def test_stage_00_watches_the_papers_annotation_files_but_not_their_images(root):
    """Every file and image root of the paper profile lies under raw/, the folder stage 00 depends on in dvc.yaml;
    .dvcignore keeps images and archives out of that dependency, never annotation files."""
    import subprocess
    import sys

    import yaml

    from pfutils.profiles import profile_params

    assert "raw" in yaml.safe_load((root / "dvc.yaml").read_text())["stages"]["sources"]["deps"]
    real = profile_params("paper", root / "params.yaml", root / "profiles")["sources"]["real"]
    paths = [p for configs in real.values() for c in configs for p in [c.get("image_root"), *c["files"].values()] if p]
    assert paths and all(Path(p).parts[0] == "raw" for p in paths), [p for p in paths if not p.startswith("raw/")]
    probes = ["raw/coco/train2017/000000000009.jpg", "raw/vg/VG_100K/1.png", "raw/llava/images.zip",
              "raw/coco/annotations/captions_train2017.json", "raw/elevater/food-101/train.txt", "raw/README.md"]
    done = subprocess.run([str(Path(sys.executable).parent / "dvc"), "check-ignore", *probes], cwd=root,
                          capture_output=True, text=True)
    assert done.stdout.split() == probes[:3], done.stderr


def test_an_image_that_does_not_decode_is_a_reject_with_the_decoder_error(tmp_path):
    """A truncated JPEG exists, so only decoding finds it: stage 00 rejects its record instead of a later stage
    crashing on it."""
    fixture = FIXTURES["coco"](tmp_path)
    image = tmp_path / "coco" / "val2014" / "COCO_val2014_000000000042.jpg"
    Image.new("RGB", (64, 48), (10, 200, 30)).save(image, quality=95)
    image.write_bytes(image.read_bytes()[:200])  # truncated mid-scan, as an interrupted download leaves it
    rows, rejects = LOADERS["coco"](**fixture["files"], image_root=fixture["image_root"], split="train")
    assert rows == []
    assert rejects[1]["id"] == "42" and rejects[1]["reason"].startswith(f"unreadable image {image}: ")


@pytest.mark.parametrize("mode, fmt", [("CMYK", "JPEG"), ("L", "JPEG"), ("P", "PNG"), ("RGBA", "PNG"), ("LA", "PNG"),
                                       ("I;16", "PNG"), ("1", "PNG")])
def test_images_in_every_colour_mode_real_data_uses_are_accepted_and_read_as_rgb(tmp_path, mode, fmt):
    """Real datasets mix colour modes (CMYK JPEGs in COCO, palette and RGBA PNGs, 16-bit grayscale): stage 00
    keeps their records, and the model reads each as a 3-channel image."""
    import numpy as np
    import torch

    from pfutils.model.images import images_tensor

    fixture = FIXTURES["coco"](tmp_path)
    image = tmp_path / "coco" / "val2014" / "COCO_val2014_000000000042.jpg"  # the name the annotation gives
    Image.new("RGB", (64, 48), (10, 200, 30)).convert(mode).save(image, format=fmt)
    rows, rejects = LOADERS["coco"](**fixture["files"], image_root=fixture["image_root"], split="train")
    assert len(rows) == 1 and not [r for r in rejects if str(image) in r["reason"]], rejects
    def to_tensor(im):
        return torch.from_numpy(np.asarray(im.resize((20, 20)), dtype="float32")).permute(2, 0, 1)

    pixels, mask = images_tensor([[Image.open(image)]], to_tensor)
    assert pixels.shape[-3:] == (3, 20, 20) and mask.all()


def test_real_loaders_never_import_toyworld():
    """Real data owes nothing to the miniature world: the instruction lists a loader draws from live with the
    prompts (`pfutils.prompts`), which toyworld reads too."""
    loaders = Path(pfutils.loaders.__file__).parent
    imported = {f.name: {n.module or "" for n in ast.walk(ast.parse(f.read_text())) if isinstance(n, ast.ImportFrom)}
                | {a.name for n in ast.walk(ast.parse(f.read_text())) if isinstance(n, ast.Import) for a in n.names}
                for f in loaders.glob("*.py")}
    assert {name: sorted(m for m in modules if "toyworld" in m) for name, modules in imported.items()
            if any("toyworld" in m for m in modules)} == {}
