"""MS-COCO captions and object boxes (Table 6 captioning, 59,670 samples in PF-1M).

Released format (annotations_trainval2014/2017.zip): `captions_{split}.json` with "images" (id, file_name, width,
height) and "annotations" (image_id, caption); `instances_{split}.json` with "annotations" (image_id, category_id,
bbox as [x, y, width, height] in pixels) and "categories" (id, name). One sample per image: the five captions as
the raw response, the boxes normalised to (x1, y1, x2, y2) in [0, 1] like toyworld's. LLaVA's detail-23k reuses
the same annotations for its "retrieve captions & boxes" distortion (`llava.py`).
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from ..prompts import CAPTION_INSTRUCTIONS
from .common import Collector, Download, Malformed, choose, listed, read_json, require

COCO = Download("MS-COCO (annotations_trainval zip and the images of the split)", "https://cocodataset.org/#download")


def _top(data: dict, key: str, path: str | Path) -> list:
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ValueError(f"{path}: not a COCO annotation file (no {key!r} list)")
    return data[key]


def coco_box(annotation: dict, categories: dict[int, str], width: float, height: float) -> dict:
    """A COCO pixel box [x, y, w, h] as a labelled, normalised, clipped (x1, y1, x2, y2), 3 decimals."""
    x, y, w, h = annotation["bbox"]
    if annotation["category_id"] not in categories:
        raise Malformed(f"unknown category_id {annotation['category_id']}")
    corners = (x / width, y / height, (x + w) / width, (y + h) / height)
    x1, y1, x2, y2 = (round(min(1.0, max(0.0, v)), 3) for v in corners)
    return {"label": categories[annotation["category_id"]], "x1": x1, "y1": y1, "x2": x2, "y2": y2}


class CocoAnnotations:
    """The captions and boxes of one COCO split, indexed by image id.

    Annotations that name no image cannot belong to any sample; they are kept in `unattributed` so the loader
    reports them as rejects instead of losing them.
    """

    def __init__(self, captions: str | Path, instances: str | Path):
        caption_data = read_json(captions, "COCO captions file", COCO)
        instance_data = read_json(instances, "COCO instances file", COCO)
        self.images = _top(caption_data, "images", captions)
        self.by_id = {image["id"]: image for image in self.images if isinstance(image, dict) and "id" in image}
        self.categories = {c["id"]: c["name"] for c in _top(instance_data, "categories", instances)}
        self.unattributed: list[str] = []
        self._captions = self._group(_top(caption_data, "annotations", captions), "caption")
        self._instances = self._group(_top(instance_data, "annotations", instances), "instance")

    def _group(self, annotations: list, kind: str) -> dict[int, list[dict]]:
        groups = defaultdict(list)
        for position, annotation in enumerate(annotations):
            if isinstance(annotation, dict) and "image_id" in annotation:
                groups[annotation["image_id"]].append(annotation)
            else:
                name = annotation.get("id", position) if isinstance(annotation, dict) else position
                self.unattributed.append(f"{kind} annotation {name}")
        return groups

    def captions(self, image_id: int) -> list[str]:
        captions = [a["caption"].strip() for a in self._captions.get(image_id, [])]
        if not captions:
            raise Malformed(f"no COCO captions for image {image_id}")
        return captions

    def boxes(self, image_id: int) -> list[dict]:
        """Every object box of the image, in annotation order (an image may have none)."""
        image = self.by_id.get(image_id)
        if image is None:
            raise Malformed(f"image {image_id} is not in the COCO annotations")
        return [coco_box(a, self.categories, image["width"], image["height"])
                for a in self._instances.get(image_id, [])]


def load_coco(captions: str | Path, instances: str | Path, *, image_root: str | Path, split: str,
              limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """One captioning sample per image of the captions file: captions joined by newlines, boxes attached."""
    root = require(image_root, "COCO image folder", COCO)
    coco = CocoAnnotations(captions, instances)
    out = Collector("coco", "captioning", split, limit)
    for name in coco.unattributed:
        out.reject(name, "annotation without image_id")

    def rows_of(image: dict):
        captions_ = coco.captions(image["id"])
        yield [root / image["file_name"]], {
            "task": "caption", "instruction": choose(CAPTION_INSTRUCTIONS, f"coco/{image['id']}"),
            "response": "\n".join(captions_), "captions": captions_, "boxes": coco.boxes(image["id"])}

    return out.collect(listed(coco.images, captions, "COCO captions file", "id"), rows_of)
