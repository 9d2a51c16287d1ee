"""NLVR2: held-out true/false statements about an image pair (Table 1's multi-image evaluation).

Released format (github.com/lil-lab/nlvr, nlvr2/data): `{train,dev,test1}.json`, JSON lines of {"identifier":
"dev-850-0-0", "sentence", "label": "True" | "False", "directory" (train only), "left_url", "right_url", ...};
the pair is `{split}/[{directory}/]{identifier without its last part}-img0.png` and `-img1.png`. Mapped like
toyworld's NLVR2 analogue: the statement asked as true or false about the two images.
"""
from __future__ import annotations

from pathlib import Path

from .common import Collector, Download, Malformed, choose, read_jsonl, require

NLVR2 = Download("NLVR2 (the jsonl splits and the images of the split)", "https://github.com/lil-lab/nlvr/tree/master/nlvr2")
PAIR_TEMPLATES = ("{statement} Is this true or false?", "Here are two images. True or false: {statement}")


def load_nlvr2(data: str | Path, *, image_root: str | Path, split: str,
               limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """One two-image sample per statement; the image root is the split's image folder (e.g. `dev/`)."""
    root = require(image_root, "NLVR2 image folder of the split", NLVR2)
    out = Collector("nlvr2", "heldout_multi_image", split, limit)

    def rows_of(record: dict):
        if record["label"] not in ("True", "False"):
            raise Malformed(f"label {record['label']!r} is not 'True' or 'False'")
        pair = record["identifier"].rsplit("-", 1)[0]
        folder = root / str(record["directory"]) if "directory" in record else root
        statement = record["sentence"].strip()
        answer = record["label"].lower()
        yield [folder / f"{pair}-img0.png", folder / f"{pair}-img1.png"], {
            "task": "pair_statement",
            "instruction": choose(PAIR_TEMPLATES, f"nlvr2/{record['identifier']}").format(statement=statement),
            "response": answer, "answer": answer, "answer_type": "boolean"}

    return out.collect(read_jsonl(data, "NLVR2 jsonl file", NLVR2, "identifier"), rows_of)
