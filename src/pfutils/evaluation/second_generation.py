"""Table 3: the first- and second-generation rewriters on the same raw samples."""
from __future__ import annotations

import datasets
import pandas as pd

from ..filtering.filters import normalised
from ..schema import undecoded
from ..textstats import form_score


def generation_items(gen1: datasets.Dataset, gen2: datasets.Dataset, reward, clip) -> pd.DataFrame:
    """One row per (generation, sample) on the samples both generations rewrote: the rewrite's reward and form
    score, whether it left the draft unchanged, and its CLIPScore where the sample is a captioning one."""
    ids = set(gen2["id"])
    gen1 = gen1.filter(lambda batch: [i in ids for i in batch], input_columns="id", batched=True)
    frames = []
    for name, ds in (("generation 1", gen1), ("generation 2", gen2)):
        records = list(undecoded(ds))  # the CLIP scorer decodes one batch of images at a time
        rewrites = [r["rewrite"] for r in records]
        captioning = [i for i, r in enumerate(records) if r["category"] == "captioning"]
        scores = clip.paragraph_scores([records[i]["images"][0] for i in captioning],
                                       [[records[i]["rewrite"]] for i in captioning]) if captioning else []
        clipscore = [float("nan")] * len(records)
        for i, score in zip(captioning, scores):
            clipscore[i] = score[0]
        frames.append(pd.DataFrame({
            "generation": name, "id": [r["id"] for r in records], "category": [r["category"] for r in records],
            "reward": reward.score([r["instruction"] for r in records], rewrites),
            "form": [form_score(text) for text in rewrites],
            "unchanged": [normalised(r["rewrite"]) == normalised(r["draft"]) for r in records],
            "clipscore": clipscore}))
    return pd.concat(frames, ignore_index=True)


def generation_table(items: pd.DataFrame) -> pd.DataFrame:
    """Table 3 from `generation_items`: average reward (and form score) of the rewrites, share left unchanged
    (rewrite = draft), and mean CLIPScore of the captioning rewrites, for each generation (pooled over seeds)."""
    rows = {}
    for name, frame in items.groupby("generation", sort=True):
        scores = frame.clipscore.dropna()
        rows[name] = {"reward_mean": float(frame.reward.mean()), "form_mean": float(frame.form.mean()),
                      "unchanged_share": float(frame.unchanged.mean()),
                      "captioning_clipscore": float(scores.mean()) if len(scores) else float("nan"),
                      "samples": len(frame)}
    return pd.DataFrame(rows).T
