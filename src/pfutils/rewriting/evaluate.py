"""How good a rewriter is: against the originals of held-out distorted pairs, and on raw VQA answers."""
from __future__ import annotations

import pandas as pd

from ..decoding import Decoding
from ..scoring.rouge import rouge_l_scores
from ..toyworld.checkers import answer_label, hallucinations
from ..toyworld.scene import scenes_from_json
from .drafts import rewriting_input
from .rewrite import rewrite


def held_out_pairs(model, tokenizer, pairs, template: str, decoding: Decoding, sts) -> pd.DataFrame:
    """One row per held-out pair: Rouge-L and STS to the original, of the rewrite and of the draft itself
    (the identity baseline: a rewriter that returns its input unchanged)."""
    rows = list(pairs)  # iterating decodes the images (to_list would not)
    rewrites = rewrite(model, tokenizer, [{"instruction": r["instruction"], "draft": r["distorted"],
                                           "images": r["images"]} for r in rows], template, decoding)
    originals, drafts = [r["original"] for r in rows], [r["distorted"] for r in rows]
    return pd.DataFrame({
        "id": [r["id"] for r in rows], "strategy": [r["strategy"] for r in rows],
        "draft": drafts, "original": originals, "rewrite": rewrites,
        "rouge_l": rouge_l_scores(originals, rewrites), "rouge_l_identity": rouge_l_scores(originals, drafts),
        "sts": sts.similarities(originals, rewrites), "sts_identity": sts.similarities(originals, drafts),
    })


def raw_vqa(model, tokenizer, samples, template: str, decoding: Decoding, seed: int) -> pd.DataFrame:
    """Rewrites of raw VQA answers, checked exactly: does the rewrite still give the gold answer, and does it
    mention anything absent from the image (None where no scene says what the image holds: real data)?"""
    rows = list(samples)
    items = [{**rewriting_input(r, seed), "images": r["images"]} for r in rows]
    rewrites = rewrite(model, tokenizer, items, template, decoding)
    out = []
    for r, item, text in zip(rows, items, rewrites):
        bad = hallucinations(text, scenes_from_json(r["scene"])) if r["scene"] else None
        out.append({"id": r["id"], "dataset": r["dataset"], "question": item["instruction"], "draft": item["draft"],
                    "rewrite": text, "answer": r["answer"],
                    "label": answer_label(text, r["answer"], r["answer_type"], tuple(r["choices"])),
                    "hallucinated": None if bad is None else "; ".join(m.text for m in bad)})
    frame = pd.DataFrame(out)
    frame["keeps_answer"] = frame.label == "entailment"
    return frame
