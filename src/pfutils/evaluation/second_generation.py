"""Table 3: the first- and second-generation rewriters on the same raw samples."""
from __future__ import annotations

import datasets
import pandas as pd

from ..filtering.filters import normalised


def generation_table(gen1: datasets.Dataset, gen2: datasets.Dataset, reward, clip) -> pd.DataFrame:
    """Average reward of the rewrites, share left unchanged (rewrite = draft), and mean CLIPScore of the
    captioning rewrites, for each generation on the samples both rewrote."""
    ids = set(gen2["id"])
    gen1 = gen1.filter(lambda batch: [i in ids for i in batch], input_columns="id", batched=True)
    rows = {}
    for name, ds in (("generation 1", gen1), ("generation 2", gen2)):
        records = list(ds)  # iterating decodes the images (to_list would not)
        rewrites = [r["rewrite"] for r in records]
        captioning = [r for r in records if r["category"] == "captioning"]
        scores = clip.paragraph_scores([r["images"][0] for r in captioning],
                                       [[r["rewrite"]] for r in captioning]) if captioning else []
        rows[name] = {
            "reward_mean": sum(reward.score([r["instruction"] for r in records], rewrites)) / len(records),
            "unchanged_share": sum(normalised(r["rewrite"]) == normalised(r["draft"]) for r in records) / len(records),
            "captioning_clipscore": sum(s[0] for s in scores) / len(scores) if scores else float("nan"),
            "samples": len(records),
        }
    return pd.DataFrame(rows).T
