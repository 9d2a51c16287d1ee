"""Stage 01's dataset: distorted (draft, original) pairs made from the polite sources' splits."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
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


@dataclass
class SplitJob:
    """One split's distortion job before any LLM work: what every process of a sharded job computes alike."""
    records: list[dict]  # the readable samples' texts, captions and boxes
    images: list[list[dict]]  # their stored images (bytes or path, never decoded)
    strategies: list[str]
    rejects: list[dict]  # samples with an unreadable image
    fingerprint: str  # the job's resume key: the split's rows (images included), the params, the seed


def split_job(polite: datasets.Dataset, params: DistortionParams, seed: int) -> SplitJob:
    """The readable samples of a split with their strategies; a sample with an image that cannot be decoded is a
    reject with the decoder's error. Images are carried as their stored bytes: only one is decoded at a time."""
    stored = polite.cast_column("images", datasets.List(datasets.Image(decode=False)))
    unreadable = [unreadable_image_reason(row["images"]) for row in stored.select_columns(["images"])]
    rejects = [{"id": row["id"], "dataset": row["dataset"], "strategy": "", "reason": reason}
               for row, reason in zip(polite.select_columns(["id", "dataset"]), unreadable) if reason]
    readable = stored.select([i for i, reason in enumerate(unreadable) if not reason])
    records = readable.select_columns(["id", "dataset", "instruction", "response", "captions", "boxes"]).to_list()
    images = readable["images"]
    strategies = assign_strategies([bool(i) for i in images], [has_captions_and_boxes(r) for r in records],
                                   params.multimodal_weights, seed)
    # the process count is left out: a chunk's drafts do not depend on it, so a job resumes on any count
    settings = [params.model_dump(exclude={"processes"}), seed]
    return SplitJob(records, images, strategies, rejects, Fingerprint().settings(settings).dataset(polite).hexdigest())


def finished_split(job: SplitJob, params: DistortionParams, distorter: Distorter, seed: int,
                   work_dir: Path | None = None) -> tuple[datasets.Dataset, list[dict]]:
    """(distorted pairs, rejects) of the job, drafting whatever LLM chunk `work_dir` does not hold yet.

    A draft identical to its original (e.g. an augmentation where no level fired) teaches the rewriter nothing
    and is rejected with that reason, as is any sample a strategy could not distort.
    """
    distorted = distort_records(job.records, job.strategies, distorter, seed, params.chunk_size, progress=False,
                                work_dir=work_dir)
    rejects, kept = list(job.rejects), []
    for index, (row, record) in enumerate(zip(distorted, job.records)):
        reason = row["reject_reason"] or ("draft identical to the original" if row["distorted"] == row["original"] else "")
        if reason:
            rejects.append({"id": row["id"], "dataset": record["dataset"], "strategy": row["strategy"], "reason": reason})
            continue
        kept.append(index)
    rows = [{**{k: distorted[i][k] for k in ("id", "source_id", "strategy", "operations", "instruction", "original",
                                             "distorted")},
             "dataset": job.records[i]["dataset"], "command": distorted[i]["command"] or 0,
             "images": job.images[i]} for i in kept]
    return dataset_from_rows(rows, FEATURES), rejects


def distorted_split(polite: datasets.Dataset, params: DistortionParams, distorter: Distorter,
                    seed: int, work_dir: Path | None = None) -> tuple[datasets.Dataset, list[dict]]:
    """(distorted pairs, rejects) for one split of the polite sources, in this process.

    With `work_dir`, finished LLM chunks are kept there under the job's fingerprint (`SplitJob.fingerprint`),
    resumed only by the same job, and removed when the split is done. `pfutils.distortion.run` shares the chunks
    among processes.
    """
    job = split_job(polite, params, seed)
    if work_dir is not None:
        prepare_work_dir(work_dir, job.fingerprint)
    pairs, rejects = finished_split(job, params, distorter, seed, work_dir)
    if work_dir is not None:
        shutil.rmtree(work_dir)
    return pairs, rejects
