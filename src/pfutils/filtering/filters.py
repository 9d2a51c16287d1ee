"""The five filters of Section 4.2 / Appendix D (Figure 10), each a batch of rewritten records -> one Decision each.

A rewritten record is a schema sample (`pfutils.schema`) plus `draft` (what Polite Flamingo was given) and
`rewrite` (what it wrote); `response` is the raw annotation. The draft is what PF-1M calls `original`: the raw
annotation as the rewriter saw it (for COCO, the five captions and the boxes), so STS and NLI compare against it.
Filters read `output` when an earlier filter set it (the rewrite after paragraph filtering), else `rewrite`.

Rule-based filters catch apparent failures: too short or too long (`length`), not rewritten at all (`change`).
Model-based filters catch what rules cannot see: a captioning rewrite drifting from its captions (`sts`), a
hallucinated paragraph (`clip`, which drops paragraphs and keeps the rest), a changed answer (`nli`). A filter
passes records outside its categories untouched, marked not applied, so the funnel can tell them apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from PIL import Image

from ..schema import decoded
from ..scoring.clipscore import ClipScorer, split_paragraphs
from ..scoring.nli import NliBackend, NliItem
from ..scoring.sts import SentenceSimilarity
from ..textstats import words
from .config import ChangeFilter, ClipFilter, LengthFilter, NliFilter, StsFilter

TEXT_FIELDS = ("id", "dataset", "category", "instruction", "response", "draft", "rewrite")


@dataclass(frozen=True)
class Decision:
    keep: bool
    applied: bool  # False: the filter does not look at this record (another category, a single paragraph)
    reason: str = ""  # why it was dropped; "" when kept
    fields: dict = field(default_factory=dict)  # what the filter adds to the record: its scores, a trimmed output


NOT_APPLIED = Decision(keep=True, applied=False)


def text_of(record: dict) -> str:
    return record.get("output") or record["rewrite"]


def record_problem(record: dict) -> str:
    """Why a record cannot be filtered ("" if it can): a missing or non-text field, an empty rewrite."""
    for name in TEXT_FIELDS:
        if not isinstance(record.get(name), str):
            return f"missing or non-text field {name!r}"
    if not isinstance(record.get("images", []), list):
        return "field 'images' is not a list"
    if not record["rewrite"].strip():
        return "empty rewrite"
    return ""


def length_decisions(records: Sequence[dict], cfg: LengthFilter) -> list[Decision]:
    out = []
    for record in records:
        n = len(words(text_of(record)))
        if n < cfg.min_words:
            out.append(Decision(False, True, f"too short: {n} words < length.min_words {cfg.min_words}", {"words": n}))
        elif n > cfg.max_words:
            out.append(Decision(False, True, f"too long: {n} words > length.max_words {cfg.max_words}", {"words": n}))
        else:
            out.append(Decision(True, True, fields={"words": n}))
    return out


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


def change_decisions(records: Sequence[dict], cfg: ChangeFilter) -> list[Decision]:
    out = []
    for record in records:
        text = normalised(text_of(record))
        if text == normalised(record["draft"]):
            out.append(Decision(False, True, "not rewritten: identical to the draft"))
        elif text == normalised(record["response"]):
            out.append(Decision(False, True, "not rewritten: identical to the raw annotation"))
        else:
            out.append(Decision(True, True))
    return out


def sts_decisions(records: Sequence[dict], cfg: StsFilter, sts: SentenceSimilarity) -> list[Decision]:
    """Captioning rewrites whose meaning drifted from the draft: cosine below `sts.threshold`."""
    scope = [i for i, r in enumerate(records) if r["category"] in cfg.categories]
    scores = sts.similarities([records[i]["draft"] for i in scope], [text_of(records[i]) for i in scope])
    out = [NOT_APPLIED] * len(records)
    for i, score in zip(scope, scores):
        keep = score >= cfg.threshold
        reason = "" if keep else f"STS {score:.4f} < sts.threshold {cfg.threshold}"
        out[i] = Decision(keep, True, reason, {"sts_similarity": score})
    return out


def _image_problem(record: dict) -> str:
    images = record.get("images") or []
    if not images:
        return "no image for the CLIPScore filter"
    if not isinstance(images[0], (Image.Image, dict)):
        return f"image is neither a PIL image nor a stored one ({type(images[0]).__name__})"
    try:
        decoded(images[0]).load()  # a stored image is decoded and let go: the scorer decodes it again per batch
    except (OSError, ValueError) as error:
        return f"unreadable image: {error}"
    return ""


def clip_decisions(records: Sequence[dict], cfg: ClipFilter, clip: ClipScorer) -> list[Decision]:
    """Paragraphs below `clip.threshold` are dropped from rewrites with several; a rewrite left with none is dropped.

    Fields: `output` (kept paragraphs joined by blank lines; the text untouched when none was dropped),
    `paragraph_clip_scores` (scores of the kept paragraphs) and
    `filtered_paragraphs` ([{score, text}] of the dropped ones), as in the released PF-1M.
    """
    out = [NOT_APPLIED] * len(records)
    scope = []
    for i, record in enumerate(records):
        if record["category"] in cfg.categories and len(split_paragraphs(text_of(record))) > 1:
            problem = _image_problem(record)
            if problem:
                out[i] = Decision(False, True, problem)
            else:
                scope.append(i)
    paragraphs = [split_paragraphs(text_of(records[i])) for i in scope]
    scores = clip.paragraph_scores([records[i]["images"][0] for i in scope], paragraphs)
    for i, texts, values in zip(scope, paragraphs, scores):
        kept = [(s, t) for s, t in zip(values, texts) if s >= cfg.threshold]
        dropped = [{"score": s, "text": t} for s, t in zip(values, texts) if s < cfg.threshold]
        output = "\n\n".join(t for _, t in kept) if dropped else text_of(records[i])
        fields = {"output": output, "paragraph_clip_scores": [s for s, _ in kept], "filtered_paragraphs": dropped}
        if kept:
            out[i] = Decision(True, True, fields=fields)
        else:
            out[i] = Decision(False, True, f"all {len(texts)} paragraphs below clip.threshold {cfg.threshold} "
                                           f"(best {max(values):.4f})", fields)
    return out


def nli_decisions(records: Sequence[dict], cfg: NliFilter, nli: NliBackend) -> list[Decision]:
    """VQA rewrites that changed the answer: the NLI backend says the rewrite contradicts the draft."""
    scope = [i for i, r in enumerate(records) if r["category"] in cfg.categories]
    items = [NliItem(question=records[i]["instruction"], candidate=text_of(records[i]), reference=records[i]["draft"],
                     answer=records[i].get("answer") or "", answer_type=records[i].get("answer_type") or "",
                     choices=tuple(records[i].get("choices") or ())) for i in scope]
    out = [NOT_APPLIED] * len(records)
    for i, result in zip(scope, nli.judge(items)):
        fields = {"nli_label": result.label, "nli_similarity": list(result.logits or [])}
        keep = result.label != "contradiction"
        out[i] = Decision(keep, True, "" if keep else "NLI: the rewrite contradicts the original answer", fields)
    return out
