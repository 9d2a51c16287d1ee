"""LLaVA-Instruct-150K: the polite multi-modal sources (GPT-4 answers about COCO images) that are distorted in
Section 3.1 and tuned on in stages 1 and 3.

Released format (liuhaotian/LLaVA-Instruct-150K): `conversation_58k.json`, `complex_reasoning_77k.json` and
`detail_23k.json`, each a JSON list of {"id", "image": "000000215677.jpg" (COCO train2017), "conversations":
[{"from": "human", "value": "<image>\\nQuestion"}, {"from": "gpt", "value": "Answer"}, ...]}. The `<image>`
placeholder is stripped (the prompt adds its own). detail-23k samples also carry the image's COCO captions and
boxes, which the "retrieve captions & boxes" distortion turns into the raw draft.
"""
from __future__ import annotations

from pathlib import Path

from .coco import CocoAnnotations
from .common import (
    Collector,
    Download,
    check_turns,
    exchanges,
    listed,
    read_json,
    require,
)

LLAVA = Download("LLaVA-Instruct-150K (and the COCO train2017 images)",
                 "https://huggingface.co/datasets/liuhaotian/LLaVA-Instruct-150K")


def _coco_image_id(file_name: str) -> int:
    """COCO's image id from a file name, 2017 ("000000215677.jpg") or 2014 ("COCO_train2014_000000215677.jpg")."""
    return int(Path(file_name).stem.rsplit("_", 1)[-1])


def _load(name: str, task: str, data: str | Path, image_root: str | Path, split: str, limit: int | None,
          turns: str, extra=lambda record: {}) -> tuple[list[dict], list[dict]]:
    root = require(image_root, "COCO train2017 image folder", LLAVA)
    records = listed(read_json(data, f"LLaVA {task} file", LLAVA), data, "LLaVA-Instruct file", "id")
    out = Collector(name, "polite_multimodal", split, limit)

    def rows_of(record: dict):
        fields = extra(record)
        for instruction, response in exchanges(record["conversations"], turns):
            yield [root / record["image"]], {"task": task, "instruction": instruction, "response": response, **fields}

    return out.collect(records, rows_of)


def load_llava_conversation(data: str | Path, *, image_root: str | Path, split: str, limit: int | None = None,
                            turns: str = "first") -> tuple[list[dict], list[dict]]:
    """conversation_58k: one sample per dialogue (its first exchange), or per exchange with `turns="all"`."""
    return _load("llava_conv", "conversation", data, image_root, split, limit, check_turns(turns))


def load_llava_reasoning(data: str | Path, *, image_root: str | Path, split: str,
                         limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """complex_reasoning_77k: one question and its reasoned answer per record."""
    return _load("llava_reasoning", "reasoning", data, image_root, split, limit, "first")


def load_llava_detail(data: str | Path, captions: str | Path, instances: str | Path, *, image_root: str | Path,
                      split: str, limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """detail_23k, with the image's COCO captions and boxes (from COCO train2017's captions/instances files)."""
    coco = CocoAnnotations(captions, instances)

    def captions_and_boxes(record: dict) -> dict:
        image_id = _coco_image_id(record["image"])
        return {"captions": coco.captions(image_id), "boxes": coco.boxes(image_id)}

    return _load("llava_detail", "detailed_description", data, image_root, split, limit, "first", captions_and_boxes)
