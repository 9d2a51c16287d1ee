"""Image2Paragraph (Stanford image paragraphs): loose multi-sentence descriptions of Visual Genome images
(Table 6 captioning, 7,954 samples in PF-1M; held-in detailed-captioning test, Table 1).

Released format (cs.stanford.edu/people/ranjaykrishna/im2p): `paragraphs_v1.json`, a JSON list of {"image_id",
"url": ".../VG_100K/2356347.jpg", "paragraph"}, and `{train,val,test}_split.json`, each a JSON list of the split's
image ids. Images are Visual Genome's, under the url's last two parts (`VG_100K/2356347.jpg`) in the image root.
"""
from __future__ import annotations

from pathlib import Path

from ..prompts import PARAGRAPH_INSTRUCTIONS
from .common import Collector, Download, choose, listed, read_json, require

IMG2P = Download("Stanford Image Paragraphs (paragraphs_v1.json, split files; Visual Genome images)",
                 "https://cs.stanford.edu/people/ranjaykrishna/im2p/index.html")


def load_img2p(paragraphs: str | Path, split_ids: str | Path, *, image_root: str | Path, split: str,
               limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """One paragraph sample per image of the split file, in the paragraphs file's order."""
    root = require(image_root, "Visual Genome image folder", IMG2P)
    wanted = set(read_json(split_ids, "Image2Paragraph split file", IMG2P))
    records = listed(read_json(paragraphs, "Image2Paragraph paragraphs file", IMG2P), paragraphs,
                     "Image2Paragraph paragraphs file", "image_id")
    out = Collector("img2p", "captioning", split, limit)

    def rows_of(record: dict):
        if record["image_id"] not in wanted:
            return  # another split's image, not a bad record
        yield [root.joinpath(*record["url"].split("/")[-2:])], {
            "task": "paragraph", "instruction": choose(PARAGRAPH_INSTRUCTIONS, f"img2p/{record['image_id']}"),
            "response": record["paragraph"].strip()}

    return out.collect(records, rows_of)
