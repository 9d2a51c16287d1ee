"""The data of each tuning stage (Section 4.3) and of the comparison models, as lists of chat turns.

- stage 1 and stage 3: the polite sources (text-only dialogues and the LLaVA-like multi-modal sources)
  plus a seeded `pf1m_share_stage1` of PF-1M (the paper: 10%, 97k);
- stage 2: all of PF-1M;
- raw_annotation: the raw annotations PF-1M was rewritten from (instruction and annotation as in the source
  dataset), what instruction tuning on raw data (InstructBLIP-style) trains on;
- polite_only: the polite sources alone (the LLaVA analogue).

Each training seed has its own PF-1M (its own rewriter, stages 02-04), hence its own stage datasets:
`data/stages/<name>/seed<k>`, which Clever Flamingo's seed k is tuned on.
"""
from __future__ import annotations

import random
from pathlib import Path

import datasets

STAGE_FEATURES = datasets.Features({
    "id": datasets.Value("string"),
    "dataset": datasets.Value("string"),
    "images": datasets.List(datasets.Image()),
    "instruction": datasets.Value("string"),
    "response": datasets.Value("string"),
})
COLUMNS = list(STAGE_FEATURES)


def _rows(ds: datasets.Dataset, response: str = "response") -> datasets.Dataset:
    if response != "response":
        ds = ds.remove_columns("response").rename_column(response, "response")
    return ds.select_columns(COLUMNS).cast(STAGE_FEATURES)


def stage_datasets(data: Path, pf1m_dir: Path, polite_sources: tuple[str, ...], raw_sources: tuple[str, ...],
                   pf1m_share: float, seed: int) -> dict[str, datasets.Dataset]:
    """The stage datasets made from one PF-1M (`pf1m_dir`: a training seed's) and the sources under `data`."""
    polite = datasets.concatenate_datasets([_rows(datasets.load_from_disk(str(data / "sources" / n))["train"])
                                            for n in polite_sources])
    pf1m = _rows(datasets.load_from_disk(str(pf1m_dir)), response="output")
    chosen = sorted(random.Random(f"{seed}/stage1_pf1m").sample(range(pf1m.num_rows), round(pf1m_share * pf1m.num_rows)))
    kept_ids = set(pf1m["id"])
    raw = datasets.concatenate_datasets([
        _rows(ds.filter(lambda ids: [i in kept_ids for i in ids], input_columns="id", batched=True))
        for ds in (datasets.load_from_disk(str(data / "sources" / n))["train"] for n in raw_sources)])
    stage1 = datasets.concatenate_datasets([polite, pf1m.select(chosen)])
    return {"stage1": stage1, "stage2": pf1m, "raw_annotation": raw, "polite_only": polite}
