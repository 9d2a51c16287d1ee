"""Stage 01's dataset: distorted (draft, original) pairs made from the polite sources' splits."""
from __future__ import annotations

import shutil
from pathlib import Path

import datasets

from ..resume import Fingerprint, prepare_work_dir
from ..schema import dataset_from_rows, image_decode_error
from .config import DistortionParams
from .distorter import Distorter
from .mix import assign_strategies, distort_records, has_captions_and_boxes

FEATURES = datasets.Features({
    "id": datasets.Value("string"),
    "source_id": datasets.Value("string"),
    "dataset": datasets.Value("string"),
    "strategy": datasets.Value("string"),
    "command": datasets.Value("int32"),  # Table 5 command number, 0 when none
    "operations": datasets.List(datasets.Value("string")),
    "images": datasets.List(datasets.Image()),
    "instruction": datasets.Value("string"),
    "original": datasets.Value("string"),
    "distorted": datasets.Value("string"),
})


def unreadable_image_reason(images: list[dict]) -> str:
    """Why one of a sample's stored images cannot be decoded ("" when all can), decoding one at a time."""
    for image in images:
        error = image_decode_error(image["bytes"] if image["bytes"] is not None else image["path"])
        if error:
            return f"unreadable image: {error}"
    return ""


def distorted_split(polite: datasets.Dataset, params: DistortionParams, distorter: Distorter,
                    seed: int, work_dir: Path | None = None) -> tuple[datasets.Dataset, list[dict]]:
    """(distorted pairs, rejects) for one split of the polite sources.

    A sample with an image that cannot be decoded is rejected with the decoder's error before distortion. A
    draft identical to its original (e.g. an augmentation where no level fired) teaches the rewriter nothing
    and is rejected with that reason, as is any sample a strategy could not distort. Images are carried as their
    stored bytes: only one is ever decoded at a time. With `work_dir`, finished LLM chunks are kept there under a
    fingerprint of the job (the split's rows, images included; the stage's params; the seed), resumed only by
    the same job, and removed when the split is done.
    """
    stored = polite.cast_column("images", datasets.List(datasets.Image(decode=False)))
    unreadable = [unreadable_image_reason(row["images"]) for row in stored.select_columns(["images"])]
    rejects = [{"id": row["id"], "dataset": row["dataset"], "strategy": "", "reason": reason}
               for row, reason in zip(polite.select_columns(["id", "dataset"]), unreadable) if reason]
    readable = stored.select([i for i, reason in enumerate(unreadable) if not reason])
    records = readable.select_columns(["id", "dataset", "instruction", "response", "captions", "boxes"]).to_list()
    images = readable["images"]
    strategies = assign_strategies([bool(i) for i in images], [has_captions_and_boxes(r) for r in records],
                                   params.multimodal_weights, seed)
    if work_dir is not None:
        prepare_work_dir(work_dir, Fingerprint().settings([params.model_dump(), seed]).dataset(polite).hexdigest())
    distorted = distort_records(records, strategies, distorter, seed, params.chunk_size, progress=False,
                                work_dir=work_dir)
    if work_dir is not None:
        shutil.rmtree(work_dir)
    kept = []
    for index, (row, record) in enumerate(zip(distorted, records)):
        reason = row["reject_reason"] or ("draft identical to the original" if row["distorted"] == row["original"] else "")
        if reason:
            rejects.append({"id": row["id"], "dataset": record["dataset"], "strategy": row["strategy"], "reason": reason})
            continue
        kept.append(index)
    rows = [{**{k: distorted[i][k] for k in ("id", "source_id", "strategy", "operations", "instruction", "original",
                                             "distorted")},
             "dataset": records[i]["dataset"], "command": distorted[i]["command"] or 0,
             "images": images[i]} for i in kept]
    return dataset_from_rows(rows, FEATURES), rejects
