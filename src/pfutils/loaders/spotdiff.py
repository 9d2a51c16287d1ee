"""Spot-the-Diff: change captioning on image pairs (Table 6, 6,787 samples in PF-1M; held-in multi-image test).

Released format (github.com/harsh19/spot-the-diff): `data/annotations/{train,val,test}.json`, a JSON list of
{"img_id": "1234", "sentences": ["the blue car is gone", ...]}; the pair's images are `resized_images/{img_id}.png`
(before) and `{img_id}_2.png` (after). The sentences, one per line, are the raw response.
"""
from __future__ import annotations

from pathlib import Path

from ..prompts import CHANGE_INSTRUCTIONS
from .common import Collector, Download, Malformed, choose, listed, read_json, require

SPOTDIFF = Download("Spot-the-Diff (annotations and resized_images)", "https://github.com/harsh19/spot-the-diff")


def _image(root: Path, stem: str) -> Path:
    """The pair image as released: PNG, a few as JPEG (the PNG path is reported when neither exists)."""
    png = root / f"{stem}.png"
    jpg = root / f"{stem}.jpg"
    return jpg if not png.exists() and jpg.exists() else png


def load_spotdiff(annotations: str | Path, *, image_root: str | Path, split: str,
                  limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """One two-image sample per annotated pair: before, after, and the change sentences."""
    root = require(image_root, "Spot-the-Diff resized_images folder", SPOTDIFF)
    records = listed(read_json(annotations, "Spot-the-Diff annotation file", SPOTDIFF), annotations,
                     "Spot-the-Diff annotation file", "img_id")
    out = Collector("spotdiff", "change_captioning", split, limit)

    def rows_of(record: dict):
        image_id = record["img_id"]
        sentences = [s.strip() for s in record["sentences"] if s.strip()]
        if not sentences:
            raise Malformed("no change sentences")
        yield [_image(root, f"{image_id}"), _image(root, f"{image_id}_2")], {
            "task": "change", "instruction": choose(CHANGE_INSTRUCTIONS, f"spotdiff/{image_id}"),
            "response": "\n".join(sentences)}

    return out.collect(records, rows_of)
