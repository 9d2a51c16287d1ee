"""ELEVATER image classification with external knowledge (Table 6 classification, 21,772 samples in PF-1M).

The paper's raw annotation is the instruction "What is this?" answered by "a photo of a {class}." plus the
class's external knowledge. Released formats read here, for one ELEVATER dataset (e.g. caltech-101):
- the image list in vision-datasets' classification format, one `<image path> <class index>` per line, where
  a path `images.zip@inner/path.jpg` names a file inside a zip (extract the zips into the image root);
- the class names, one per line (the class index is the line number, from 0): `labels.txt` in ELEVATER's
  food-101 (the `labelmap` file of the loader's config);
- the toolkit's knowledge file `{dataset}_knowledge.tsv` (a JSON list despite its name) of
  {"classname", "def_wiki", "def_wn", "path_wn"}: the Wikipedia definition is used, else WordNet's.
"""
from __future__ import annotations

from pathlib import Path

from .common import Collector, Download, Malformed, read_json, require

ELEVATER = Download("ELEVATER image classification (datasets and the toolkit's knowledge files)",
                    "https://computer-vision-in-the-wild.github.io/ELEVATER/")


def read_knowledge(path: str | Path) -> dict[str, str]:
    """Class name -> knowledge text (Wikipedia definition, else WordNet's; "" when the file has neither)."""
    entries = read_json(path, "ELEVATER knowledge file", ELEVATER)
    if not isinstance(entries, list):
        raise ValueError(f"{path}: not an ELEVATER knowledge file (expected a JSON list of classes)")
    return {e["classname"]: (e.get("def_wiki") or e.get("def_wn") or "").strip() for e in entries}


def load_elevater(images: str | Path, labelmap: str | Path, knowledge: str | Path, *, image_root: str | Path,
                  split: str, limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """One "What is this?" sample per listed image, its class and that class's knowledge."""
    root = require(image_root, "ELEVATER image folder", ELEVATER)
    classes = require(labelmap, "ELEVATER class names (labelmap)", ELEVATER).read_text(encoding="utf-8").splitlines()
    knowledge_of = read_knowledge(knowledge)
    lines = require(images, "ELEVATER image list", ELEVATER).read_text(encoding="utf-8").splitlines()
    out = Collector("elevater", "classification", split, limit)

    def rows_of(line: str):
        parts = line.rsplit(maxsplit=1)
        if len(parts) != 2 or not parts[1].isdigit():
            raise Malformed(f"not '<image path> <class index>': {line!r}")
        path, index = parts[0], int(parts[1])
        if index >= len(classes):
            raise Malformed(f"class index {index} is not in the labelmap ({len(classes)} classes)")
        name = classes[index].strip()
        knowledge_ = knowledge_of.get(name, "")
        yield [root / path.split("@", 1)[-1].lstrip("/")], {
            "task": "classification", "instruction": "What is this?",
            "response": f"a photo of a {name}. {knowledge_}".strip(), "answer": name, "knowledge": knowledge_}

    return out.collect(((f"line {n}", line) for n, line in enumerate(lines, 1) if line.strip()), rows_of)
