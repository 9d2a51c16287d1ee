"""Stage 01's job: the polite sources' train and test splits distorted into (draft, original) pairs (Section 3.1).

    python -m pfutils.distortion.run --params params.yaml   (or under torchrun: the LLM chunks shared out)

Every process loads the LLM (the `hf` backend: over its own share of the node's GPUs) and drafts chunks rank,
rank + N, ... of each split into data/checkpoints/distortion-{split}; the main process then merges them with the
augmentation and box drafts. Every chunk has its own rng, so a killed job resumes at its unfinished chunks, on any
process count, and writes what an uninterrupted one writes. Output: data/distorted (train and test pairs) and the
rejects table reports/tables/01_rejects.csv.
"""
from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

import datasets
import pandas as pd
import torch

from ..launch import process_state
from ..params import load_params
from ..resume import prepare_work_dir
from ..storage import save_dataset, write_text
from .dataset import finished_split, split_job
from .distorter import llm_distorter
from .llm_hf import replica_gpus
from .mix import draft_llm_chunks

SPLITS = ("train", "test")  # rewriter training, and the held-out pairs of its evaluation
REJECT_COLUMNS = ["split", "id", "dataset", "strategy", "reason"]


def polite_split(sources_dir: Path, names: list[str], split: str) -> datasets.Dataset:
    """One split of the polite sources `names` (the stage's `distortion.sources`), in order."""
    return datasets.concatenate_datasets([datasets.load_from_disk(str(Path(sources_dir) / name))[split]
                                          for name in names])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", default="params.yaml")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    p, state, data = params.distortion, process_state(), Path(params.paths.data)
    options = p.llm.options()
    if p.llm.backend == "hf":
        local_processes = int(os.environ.get("LOCAL_WORLD_SIZE", state.num_processes))
        options["gpus"] = replica_gpus(state.local_process_index, local_processes, torch.cuda.device_count())
    distorter = llm_distorter(p.llm.backend, **options)
    jobs, work_dirs = {}, {}
    for split in SPLITS:
        jobs[split] = split_job(polite_split(data / "sources", p.sources, split), p, params.seed)
        work_dirs[split] = data / "checkpoints" / f"distortion-{split}"
        if state.is_main_process:
            prepare_work_dir(work_dirs[split], jobs[split].fingerprint)
        state.wait_for_everyone()
        draft_llm_chunks(jobs[split].records, jobs[split].strategies, distorter, params.seed, p.chunk_size,
                         work_dirs[split], state.process_index, state.num_processes)
    state.wait_for_everyone()
    if not state.is_main_process:
        return
    pairs, rejects = {}, []
    for split in SPLITS:  # every chunk is on disk now: nothing is drafted here
        pairs[split], split_rejects = finished_split(jobs[split], p, distorter, params.seed, work_dirs[split])
        rejects += [{"split": split, **reject} for reject in split_rejects]
    save_dataset(datasets.DatasetDict(pairs), data / "distorted")
    write_text(pd.DataFrame(rejects, columns=REJECT_COLUMNS).to_csv(index=False),
               Path(params.paths.reports) / "tables" / "01_rejects.csv")
    for work_dir in work_dirs.values():  # kept until the output is saved: a kill before that loses no chunk
        shutil.rmtree(work_dir)


if __name__ == "__main__":
    main()
