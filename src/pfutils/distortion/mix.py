"""Mixing the three distortion strategies into one training set for the rewriter (Section 3.1, Appendix B).

The paper's 255k samples: LLM-instructed distortion of 113k LLaVA (multi-modal) and 76k UltraChat/ShareGPT
(text-only) samples, random augmentations of 77k LLaVA samples, captions & boxes of 14k LLaVA-detailed
samples. So text-only samples are always LLM-distorted, and multi-modal samples are split llm : augment :
boxes = 113 : 77 : 14, where `boxes` can only go to samples that have captions and boxes. (Those numbers add
up to 280k, not 255k; Appendix B says 133k for the first; only the ratio is used here. How many text-only
samples come in is the sources stage's choice.)

`assign_strategies` fixes the strategy of every sample from flags and a seed; `distort_records` then builds
the distorted records, rejects included (with `reject_reason`), so the caller keeps them apart and loses none.
"""
from __future__ import annotations

import dataclasses
import math
import random
from pathlib import Path
from typing import Mapping, Sequence

from tqdm import tqdm

from ..storage import read_json, write_json
from .augment import augment_text
from .boxes import distort_with_boxes
from .distorter import Distorter, Distortion, input_problem

STRATEGIES = ("llm", "augment", "boxes")
PAPER_MULTIMODAL_WEIGHTS = {"llm": 113_000, "augment": 77_000, "boxes": 14_000}


def has_captions_and_boxes(record: Mapping) -> bool:
    """Whether a polite record can be distorted by retrieving its captions and boxes."""
    return bool(record.get("captions")) and bool(record.get("boxes"))


def normalised_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights over STRATEGIES summing to 1 (missing ones are 0); a bad value fails naming the key."""
    unknown = set(weights) - set(STRATEGIES)
    if unknown:
        raise ValueError(f"distortion.mix.multimodal: unknown strategies {sorted(unknown)}; allowed {STRATEGIES}")
    values = {s: float(weights.get(s, 0.0)) for s in STRATEGIES}
    if any(not math.isfinite(v) or v < 0 for v in values.values()) or sum(values.values()) <= 0:
        raise ValueError(f"distortion.mix.multimodal: weights must be >= 0 with a positive sum, got {dict(weights)}")
    total = sum(values.values())
    return {s: v / total for s, v in values.items()}


def assign_strategies(multimodal: Sequence[bool], boxes_ok: Sequence[bool],
                      multimodal_weights: Mapping[str, float] = PAPER_MULTIMODAL_WEIGHTS,
                      seed: int = 0) -> list[str]:
    """The strategy of every sample ("llm", "augment" or "boxes"), deterministic from `seed`.

    Text-only samples get "llm". Among the multi-modal ones, round(w_boxes * n) samples drawn from those
    with `boxes_ok` get "boxes" (all of them if there are fewer), and the others are split between "llm" and
    "augment" in the ratio of their weights. Counts are exact (quotas, not coin flips), so the proportions
    hold for small sets too; when the eligible samples run short of the boxes quota, the shortfall goes to
    llm and augment.
    """
    if len(multimodal) != len(boxes_ok):
        raise ValueError(f"multimodal and boxes_ok differ in length: {len(multimodal)} != {len(boxes_ok)}")
    weights = normalised_weights(multimodal_weights)
    rng = random.Random(seed)
    mm = [i for i, flag in enumerate(multimodal) if flag]
    eligible = [i for i in mm if boxes_ok[i]]
    boxes = set(rng.sample(eligible, min(round(weights["boxes"] * len(mm)), len(eligible))))
    rest = [i for i in mm if i not in boxes]
    llm_or_augment = weights["llm"] + weights["augment"]
    augment_share = weights["augment"] / llm_or_augment if llm_or_augment > 0 else 0.0
    augment = set(rng.sample(rest, round(augment_share * len(rest))))
    return ["boxes" if i in boxes else "augment" if i in augment else "llm" for i in range(len(multimodal))]


def distorted_record(record: Mapping, strategy: str, distortion: Distortion) -> dict:
    """The stored form of one distortion (the schema of the distorted-pairs dataset)."""
    return {
        "id": f"{record.get('id')}:{strategy}",
        "source_id": str(record.get("id")),
        "strategy": strategy,
        "command": distortion.command,
        "operations": list(distortion.operations),
        "instruction": record.get("instruction"),
        "original": record.get("response"),
        "distorted": distortion.text,
        "reject_reason": distortion.reject_reason,
    }


def chunk_rng(seed: int, index: int) -> random.Random:
    """The rng of LLM chunk `index`: one per chunk, so a chunk's drafts do not depend on which process drafts it,
    on how many processes share the job, or on whether the chunks before it were drafted in this run."""
    return random.Random(f"{seed}:llm:{index}")


def llm_chunks(records: Sequence[Mapping], strategies: Sequence[str], chunk_size: int) -> list[list[int]]:
    """The indices of the records the LLM distorts (strategy "llm", usable input), cut into chunks in order."""
    llm = [i for i, (record, strategy) in enumerate(zip(records, strategies))
           if strategy == "llm" and not input_problem(record.get("instruction"), record.get("response"))]
    return [llm[start:start + chunk_size] for start in range(0, len(llm), chunk_size)]


def _chunk_file(work_dir: Path, index: int) -> Path:
    return work_dir / f"chunk-{index:06d}.json"


def _drafted_chunk(records: Sequence[Mapping], chunk: list[int], index: int, distorter: Distorter, seed: int,
                   work_dir: Path | None) -> list[Distortion]:
    """Chunk `index`'s drafts: read back if `work_dir` holds it finished, else drafted (and saved there)."""
    saved = _chunk_file(work_dir, index) if work_dir else None
    if saved and saved.exists():
        return [Distortion(d["text"], d["command"], tuple(d["operations"]), d["reject_reason"])
                for d in read_json(saved)["distortions"]]
    pairs = [(records[i]["instruction"], records[i]["response"]) for i in chunk]
    distortions = distorter.distort(pairs, chunk_rng(seed, index))
    if saved:
        write_json({"distortions": [dataclasses.asdict(d) for d in distortions]}, saved)
    return distortions


def draft_llm_chunks(records: Sequence[Mapping], strategies: Sequence[str], distorter: Distorter, seed: int,
                     chunk_size: int, work_dir: Path, rank: int = 0, world: int = 1) -> None:
    """One process's share of the LLM work of a sharded job: chunks rank, rank + world, ... are drafted into
    `work_dir`, each saved whole when done; chunks already there are skipped (a killed job resumes)."""
    for index, chunk in enumerate(llm_chunks(records, strategies, chunk_size)):
        if index % world == rank:
            _drafted_chunk(records, chunk, index, distorter, seed, work_dir)


def distort_records(records: Sequence[Mapping], strategies: Sequence[str], distorter: Distorter,
                    seed: int = 0, chunk_size: int = 256, progress: bool = True,
                    work_dir: Path | None = None) -> list[dict]:
    """One distorted record per polite record (`id`, `instruction`, `response`, maybe `captions`/`boxes`).

    LLM drafts come from `distorter` in chunks of `chunk_size`, each with its own rng (`chunk_rng`: same records,
    seed and chunk size, same drafts, however the chunks are dealt to processes); augmentations are seeded per
    sample from (`seed`, record id). Rejected samples are returned too, with a non-empty `reject_reason`. With
    `work_dir` (which the caller keys to the job, `distortion.dataset.distortion_job`), each finished LLM chunk is
    saved there, and chunks found there (a killed run's, or other processes' of a sharded job) are read back.
    """
    if len(records) != len(strategies):
        raise ValueError(f"records and strategies differ in length: {len(records)} != {len(strategies)}")
    bad = set(strategies) - set(STRATEGIES)
    if bad:
        raise ValueError(f"unknown strategies {sorted(bad)}; allowed {STRATEGIES}")
    results: list[Distortion | None] = [None] * len(records)
    for i, (record, strategy) in enumerate(zip(records, strategies)):
        problem = input_problem(record.get("instruction"), record.get("response"))
        if problem:
            results[i] = Distortion.rejected(problem)
        elif strategy == "augment":
            results[i] = augment_text(record["response"], seed=f"{seed}:{record.get('id')}")
        elif strategy == "boxes":
            results[i] = distort_with_boxes(record.get("captions"), record.get("boxes"))
    chunks = llm_chunks(records, strategies, chunk_size)
    for index, chunk in enumerate(tqdm(chunks, desc="LLM-instructed distortion", disable=not progress)):
        for i, distortion in zip(chunk, _drafted_chunk(records, chunk, index, distorter, seed, work_dir)):
            results[i] = distortion
    return [distorted_record(r, s, d) for r, s, d in zip(records, strategies, results)]
