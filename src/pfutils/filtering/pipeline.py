"""The filtering pipeline of Figure 10: rewritten records in, PF-1M records, rejects and the funnel out.

    kept, rejects, funnel = run_filters(records, config, backends_from_config(config, params.scoring))

Filters run in the paper's order (length, change, STS, CLIPScore, NLI), each on what the previous ones kept.
Every input record ends in exactly one of `kept` or `rejects`: a malformed record is rejected at the `input`
stage with its reason, never dropped silently or allowed to stop the batch. `funnel` counts, per dataset and
stage, the records that entered, that the filter applied to, that it dropped and that went on (Figure 10's data).

Kept records carry every input field plus the released PF-1M scores: `output` (after paragraph filtering),
`rouge_score` (Rouge-L of the rewrite before paragraph filtering against the draft), `sts_similarity` (on the
final output, re-scored when paragraphs were dropped, as on released records), `nli_similarity`/`nli_label`,
`paragraph_clip_scores`, `filtered_paragraphs`, `words`, `applied_filters` (the filters that examined the record)
and `reward` (None: the export scores it). Decisions use the scores of the text each filter saw.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple, Sequence

from ..scoring.clipscore import ClipScorer, clip_scorer
from ..scoring.config import ScoringParams
from ..scoring.nli import NliBackend, nli_backend
from ..scoring.rouge import rouge_l_scores
from ..scoring.sts import SentenceSimilarity
from .config import FilteringConfig
from .filters import (
    Decision,
    change_decisions,
    clip_decisions,
    length_decisions,
    nli_decisions,
    record_problem,
    sts_decisions,
)

FILTERS = ("length", "change", "sts", "clip", "nli")
STAGES = ("input",) + FILTERS
SCORE_FIELDS = ("words", "sts_similarity", "nli_label", "nli_similarity", "paragraph_clip_scores",
                "filtered_paragraphs")


@dataclass
class Backends:
    """The models the model-based filters score with; None for a filter that is disabled."""
    sts: SentenceSimilarity | None = None
    clip: ClipScorer | None = None
    nli: NliBackend | None = None


def backends_from_config(config: FilteringConfig, scoring: ScoringParams, device: str | None = None) -> Backends:
    """Loads the models (`scoring`) of the enabled model-based filters (each cached per process)."""
    return Backends(
        sts=SentenceSimilarity(scoring.sts.model, device, scoring.sts.batch_size) if config.sts.enabled else None,
        clip=clip_scorer(scoring.clip, device) if config.clip.enabled else None,
        nli=(nli_backend(scoring.nli.backend, scoring.nli.model, device, scoring.nli.batch_size)
             if config.nli.enabled else None),
    )


class Filtered(NamedTuple):
    """What `run_filters` returns; unpacks as `kept, rejects, funnel`."""
    kept: list[dict]
    rejects: list[dict]
    funnel: list[dict]


def _decisions(name: str, records: list[dict], config: FilteringConfig, backends: Backends) -> list[Decision]:
    if name == "length":
        return length_decisions(records, config.length)
    if name == "change":
        return change_decisions(records, config.change)
    if name == "sts":
        return sts_decisions(records, config.sts, backends.sts)
    if name == "clip":
        return clip_decisions(records, config.clip, backends.clip)
    return nli_decisions(records, config.nli, backends.nli)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def reject_row(record: dict, stage: str, reason: str) -> dict:
    """One row of the rejects table: who, where, why, the texts, and the scores so far (JSON, any shape)."""
    scores = {k: record[k] for k in SCORE_FIELDS if k in record}
    return {"id": _text(record.get("id")), "dataset": _text(record.get("dataset")),
            "category": _text(record.get("category")), "split": _text(record.get("split")), "stage": stage,
            "reason": reason, "instruction": _text(record.get("instruction")), "draft": _text(record.get("draft")),
            "rewrite": _text(record.get("rewrite")), "applied_filters": list(record.get("applied_filters", [])),
            "scores": json.dumps(scores)}


def _released_scores(records: list[dict], sts: SentenceSimilarity | None) -> list[dict]:
    """Kept records completed with every PF-1M score field (empty where a filter did not apply)."""
    rouge = rouge_l_scores([r["draft"] for r in records], [r["rewrite"] for r in records])
    trimmed = [i for i, r in enumerate(records)
               if r.get("sts_similarity") is not None and r["output"] != r["rewrite"]]
    rescored = sts.similarities([records[i]["draft"] for i in trimmed], [records[i]["output"] for i in trimmed]) \
        if trimmed else []
    out = []
    for record, score in zip(records, rouge):
        out.append({"sts_similarity": None, "nli_label": "", "nli_similarity": [], "paragraph_clip_scores": [],
                    "filtered_paragraphs": [], "words": None, "reward": None, **record, "rouge_score": score})
    for i, score in zip(trimmed, rescored):
        out[i]["sts_similarity"] = score
    return out


def run_filters(records: Sequence[dict], config: FilteringConfig, backends: Backends) -> Filtered:
    """The enabled filters in order, each on the survivors of the previous one (see the module docstring)."""
    for name in ("sts", "clip", "nli"):
        if getattr(config, name).enabled and getattr(backends, name) is None:
            raise ValueError(f"filtering.{name} is enabled but no {name} backend was given")
    counts: Counter = Counter()
    rejects, alive = [], []
    for record in records:
        dataset = _text(record.get("dataset"))
        counts["input", dataset, "entered"] += 1
        problem = record_problem(record)
        if problem:
            counts["input", dataset, "dropped"] += 1
            rejects.append(reject_row(record, "input", problem))
        else:
            alive.append({**record, "output": record["rewrite"], "applied_filters": []})
    for name in FILTERS:
        if not getattr(config, name).enabled:
            continue
        survivors = []
        for record, decision in zip(alive, _decisions(name, alive, config, backends)):
            counts[name, record["dataset"], "entered"] += 1
            record = {**record, **decision.fields}
            if decision.applied:
                counts[name, record["dataset"], "applied"] += 1
                record["applied_filters"] = record["applied_filters"] + [name]
            if decision.keep:
                survivors.append(record)
            else:
                counts[name, record["dataset"], "dropped"] += 1
                rejects.append(reject_row(record, name, decision.reason))
        alive = survivors
    return Filtered(_released_scores(alive, backends.sts), rejects, funnel_rows(counts))


def funnel_rows(counts: Counter) -> list[dict]:
    """One row per stage and dataset: entered, applied (the filter examined it), dropped, kept."""
    keys = sorted({(stage, dataset) for stage, dataset, _ in counts}, key=lambda k: (STAGES.index(k[0]), k[1]))
    rows = []
    for stage, dataset in keys:
        entered, dropped = counts[stage, dataset, "entered"], counts[stage, dataset, "dropped"]
        applied = entered if stage == "input" else counts[stage, dataset, "applied"]
        rows.append({"stage": stage, "dataset": dataset, "entered": entered, "applied": applied,
                     "dropped": dropped, "kept": entered - dropped})
    return rows
