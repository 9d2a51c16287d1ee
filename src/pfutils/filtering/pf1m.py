"""PF-1M in two forms: our kept records (a `datasets` table) and the released JSON schema, both ways.

The released PF-1M (huggingface.co/datasets/chendelong/PF-1M, described in the authors' README) is one JSON list
of records with the fields of RELEASED_FIELDS. `input` is the instruction with each image path inline, as
`<img_path>relative/path.jpg<img_path>` after the text (the authors' loader swaps each marker for `<image>` and
joins the path to an image folder); `original` is the raw annotation as the rewriter saw it (our `draft`).
`nli_similarity` only on VQA records, `sts_similarity` only on captioning ones, `filtered_paragraphs` and
`paragraph_clip_scores` only on captioning records with several paragraphs. Scores are rounded to 4 decimals.

`export_pf1m` writes our kept records in that schema, their images as PNG files under an image root (each image
once, named after its pixels), referenced by relative path; `read_pf1m` reads a released-format file back into kept records (images from an image root,
an unreadable one -> a rejects row), so the released PF-1M can stand in for ours downstream.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Callable, Sequence

import datasets
from PIL import Image, UnidentifiedImageError

from ..schema import FEATURES, decoded, sample
from ..scoring.nli import LABELS
from ..storage import read_json, write_json
from .pipeline import reject_row

RELEASED_FIELDS = ("input", "output", "original", "rouge_score", "reward", "nli_similarity", "sts_similarity",
                   "filtered_paragraphs", "paragraph_clip_scores")
RELEASED_REQUIRED = ("input", "output", "original", "rouge_score", "reward")
IMG_PATH = re.compile(r"<img_path>(.*?)<img_path>")

PF1M_FEATURES = datasets.Features({
    **FEATURES,
    "draft": datasets.Value("string"),
    "rewrite": datasets.Value("string"),
    "output": datasets.Value("string"),
    "words": datasets.Value("int32"),
    "rouge_score": datasets.Value("float32"),
    "sts_similarity": datasets.Value("float32"),
    "nli_label": datasets.Value("string"),
    "nli_similarity": datasets.List(datasets.Value("float32")),
    "paragraph_clip_scores": datasets.List(datasets.Value("float32")),
    "filtered_paragraphs": datasets.List({"score": datasets.Value("float32"), "text": datasets.Value("string")}),
    "applied_filters": datasets.List(datasets.Value("string")),
    "reward": datasets.Value("float32"),
})

Reward = Callable[[list[str], list[str]], list[float]]


def pf1m_dataset(records: Sequence[dict]) -> datasets.Dataset:
    """Kept records as a `datasets` table with PF1M_FEATURES (other fields a record carries are left out)."""
    return datasets.Dataset.from_list([{k: r[k] for k in PF1M_FEATURES} for r in records], features=PF1M_FEATURES)


def released_input(instruction: str, image_paths: Sequence[str]) -> str:
    return instruction + "".join(f"<img_path>{p}<img_path>" for p in image_paths)


def split_released_input(text: str) -> tuple[str, list[str]]:
    """(instruction without the markers, the image paths in order); our schema keeps images apart from the text."""
    return IMG_PATH.sub("", text).strip(), IMG_PATH.findall(text)


def image_path(image: Image.Image, dataset: str) -> str:
    """An image's relative path in an export: under its dataset's folder (the released layout, which `read_pf1m`
    reads the dataset from), named after its pixels (sha256 of mode, size and bytes), so an image many records of
    a dataset use (a GQA image serves dozens of questions) is written once."""
    digest = hashlib.sha256(f"{image.mode}:{image.size}:".encode() + image.tobytes()).hexdigest()
    folder = re.sub(r"[^A-Za-z0-9_.-]", "_", dataset).strip(".") or "unknown"
    return f"{folder}/{digest[:24]}.png"


PNG_MODES = {"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"}


def _save_image(image: Image.Image, path: Path) -> None:
    """PNG, lossless (an export read back gives the same pixels), written beside its target and renamed in place.
    A mode PNG cannot hold (CMYK JPEGs, which COCO has) is converted to RGB, as the model reads it."""
    if image.mode not in PNG_MODES:
        image = image.convert("RGB")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".png")
    os.close(fd)
    image.save(tmp, format="PNG")
    os.replace(tmp, path)


def _rounded(values):
    return [round(float(v), 4) for v in values]


def released_record(record: dict, paths: Sequence[str], reward: float) -> dict:
    """One record in the released schema; optional fields only where the released data has them."""
    out = {"input": released_input(record["instruction"], paths), "output": record["output"],
           "original": record["draft"], "rouge_score": round(float(record["rouge_score"]), 4),
           "reward": round(float(reward), 4)}
    if record["nli_similarity"]:
        out["nli_similarity"] = _rounded(record["nli_similarity"])
    if record["sts_similarity"] is not None:
        out["sts_similarity"] = round(float(record["sts_similarity"]), 4)
    if record["paragraph_clip_scores"]:
        out["filtered_paragraphs"] = [[round(float(p["score"]), 4), p["text"]] for p in record["filtered_paragraphs"]]
        out["paragraph_clip_scores"] = _rounded(record["paragraph_clip_scores"])
    return out


def export_pf1m(records: Sequence[dict], json_path: str | Path, image_root: str | Path,
                reward: Reward | None = None) -> Path:
    """Writes kept records as released-format JSON and their images under `image_root`.

    A record whose `reward` is None is scored with `reward(instructions, outputs)` (the reward model of Section
    5.2.3); a record read from the released PF-1M keeps its own.
    """
    missing = [i for i, r in enumerate(records) if r.get("reward") is None]
    if missing and reward is None:
        raise ValueError(f"{len(missing)} records have no reward; pass reward=(instructions, responses) -> scores")
    scores = reward([records[i]["instruction"] for i in missing], [records[i]["output"] for i in missing]) \
        if missing else []
    if len(scores) != len(missing):
        raise ValueError(f"the reward function returned {len(scores)} scores for {len(missing)} records")
    rewards = [r.get("reward") for r in records]
    for i, score in zip(missing, scores):
        rewards[i] = score
    rows = []
    for record, score in zip(records, rewards):
        images = [decoded(image) for image in record["images"]]  # one record's images at a time
        paths = [image_path(image, record["dataset"]) for image in images]
        for image, path in zip(images, paths):
            if not (Path(image_root) / path).exists():  # written by an earlier record
                _save_image(image, Path(image_root) / path)
        rows.append(released_record(record, paths, score))
    return write_json(rows, json_path)


def _category(row: dict) -> str:
    """The released records name no category; the score fields tell captioning and VQA apart, else unknown ("")."""
    if "sts_similarity" in row:
        return "captioning"
    if "nli_similarity" in row:
        return "vqa_short"
    return ""


def _images(paths: Sequence[str], image_root: Path) -> tuple[list, str]:
    images = []
    for path in paths:
        try:
            image = Image.open(image_root / path)
            image.load()
        except FileNotFoundError:
            return [], f"missing image {path}"
        except (OSError, UnidentifiedImageError) as error:
            return [], f"unreadable image {path}: {error}"
        images.append(image)
    return images, ""


def _row_problem(row) -> str:
    if not isinstance(row, dict):
        return "not a JSON object"
    for name in ("input", "output", "original"):
        if not isinstance(row.get(name), str):
            return f"missing or non-text field {name!r}"
    if not isinstance(row.get("rouge_score"), (int, float)):
        return "missing or non-numeric field 'rouge_score'"
    if not isinstance(row.get("reward", 0.0), (int, float)):
        return "non-numeric field 'reward'"
    return ""


def read_pf1m(json_path: str | Path, image_root: str | Path, split: str = "train") -> tuple[list[dict], list[dict]]:
    """Released-format records -> (kept records, rejects); a record with a bad field or image is a rejects row.

    `dataset` is the first folder of the record's first image path (e.g. `mscoco_2014`), else `text_only`;
    `id` is `{dataset}/{split}/{position in the file}`. The released record holds one text for the draft and the
    raw annotation (`original`) and one for the rewrite and the output (`output`).
    """
    records, rejects = [], []
    for index, row in enumerate(read_json(json_path)):
        problem = _row_problem(row)
        if problem:
            rejects.append(reject_row({"id": f"unknown/{split}/{index}", "split": split}, "import", problem))
            continue
        instruction, paths = split_released_input(row["input"])
        dataset = Path(paths[0]).parts[0] if paths else "text_only"
        base = {"id": f"{dataset}/{split}/{index}", "dataset": dataset, "split": split}
        images, problem = _images(paths, Path(image_root))
        if problem:
            rejects.append(reject_row({**base, "instruction": instruction, "draft": row["original"],
                                       "rewrite": row["output"]}, "import", problem))
            continue
        logits = row.get("nli_similarity", [])
        records.append({
            **sample(**base, category=_category(row), images=images, instruction=instruction,
                     response=row["original"]),
            "draft": row["original"], "rewrite": row["output"], "output": row["output"], "words": None,
            "rouge_score": row.get("rouge_score"), "sts_similarity": row.get("sts_similarity"),
            "nli_label": LABELS[logits.index(max(logits))] if logits else "",
            "nli_similarity": logits, "paragraph_clip_scores": row.get("paragraph_clip_scores", []),
            "filtered_paragraphs": [{"score": s, "text": t} for s, t in row.get("filtered_paragraphs", [])],
            "applied_filters": [], "reward": row.get("reward")})
    return records, rejects
