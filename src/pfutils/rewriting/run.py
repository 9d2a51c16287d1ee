"""Stage 03's job: Polite Flamingo rewrites the raw annotations of every source dataset (Section 4.1).

    python -m pfutils.rewriting.run --params params.yaml --seed 0   (or under torchrun: each rank takes every N-th
    sample)

Without `--model` and `--out`, seed k's rewriter (`models/polite_flamingo/seed<k>`) writes `data/pf_raw/seed<k>`.

Bad samples (missing or corrupt image, wrong number of images, empty annotation, over-long input) go to the
rejects table with their reason. Output: PF-raw, the raw samples with `draft` (what the rewriter saw) and
`rewrite` (what it wrote), the instruction replaced by the rewriting instruction; plus throughput.
"""
from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import datasets
import torch

from ..launch import process_state
from ..model.checkpoint import load_flamingo
from ..model.generation import prompt_ids
from ..params import load_params
from ..prompts import rewriter_prompt
from ..resume import Fingerprint, prepare_work_dir
from ..schema import FEATURES
from ..storage import save_dataset, write_json
from .config import RewritingParams
from .drafts import rewriting_input
from .rewrite import rewrite
from .shards import chunk_path, my_chunks, read_chunks, write_chunk

PF_RAW_FEATURES = datasets.Features({**FEATURES, "draft": datasets.Value("string"),
                                     "rewrite": datasets.Value("string")})
EXPECTED_IMAGES = {"captioning": 1, "classification": 1, "change_captioning": 2, "vqa_rationale": 1,
                   "vqa_short": 1}


def sample_problem(sample: dict, prompt_tokens: int, max_prompt_tokens: int) -> str:
    """Why a raw sample cannot be rewritten, or ""."""
    if not sample["response"].strip():
        return "empty annotation"
    expected = EXPECTED_IMAGES.get(sample["category"])
    if expected is not None and len(sample["images"]) != expected:
        return f"{len(sample['images'])} images, {sample['category']} needs {expected}"
    for image in sample["images"]:
        if image is None:
            return "missing image"
    if prompt_tokens > max_prompt_tokens:
        return f"input of {prompt_tokens} tokens is over max_prompt_tokens {max_prompt_tokens}"
    return ""


def load_images(raw: datasets.Dataset, index: int) -> tuple[list, str]:
    """The decoded images of one sample, or the reason they cannot be decoded (a corrupt file)."""
    try:
        images = raw[index]["images"]
        for image in images:
            image.load()
        return images, ""
    except Exception as error:  # PIL raises many types on corrupt data; the sample is rejected, never the run
        return [], f"corrupt image: {type(error).__name__}: {error}"


def job_fingerprint(raw: datasets.Dataset, model, model_dir: Path, p: RewritingParams, template: str, seed: int,
                    processes: int) -> str:
    """What a rewriting job's chunks depend on: every value of the raw rows (images included), the rewriter's
    weights as loaded (its towers too) and its other files (tokenizer, config), the stage's params (the
    `rewriting` section, the rewriter's template, the seed), and the process count (it decides which chunk
    holds which samples)."""
    settings = {"rewriting": p.model_dump(), "search": p.decoding.search(), "template": template, "seed": seed,
                "processes": processes}
    return (Fingerprint().settings(settings).dataset(raw).tensors(model.state_dict().items())
            .files(p for p in model_dir.rglob("*") if p.is_file() and p.suffix != ".safetensors").hexdigest())


def rewrite_dataset(raw: datasets.Dataset, model_dir: Path, work_dir: Path, p: RewritingParams, template: str,
                    seed: int) -> None:
    """Rewrites this process's share of `raw` chunk by chunk into `work_dir` (resuming finished chunks), as the
    `rewriting` section says, with the rewriter's prompt `template` (`rewriter.template`) and the run's seed."""
    state = process_state()
    model, tokenizer = load_flamingo(model_dir, merge_lora=True)
    if state.is_main_process:
        prepare_work_dir(work_dir, job_fingerprint(raw, model, model_dir, p, template, seed, state.num_processes))
    state.wait_for_everyone()
    texts_only = raw.select_columns([c for c in raw.column_names if c != "images"])
    for index, items in my_chunks(raw.num_rows, p.chunk_size, state.process_index, state.num_processes):
        path = chunk_path(work_dir, state.process_index, index)
        if path.exists():
            continue
        started = time.perf_counter()
        rows, todo = [], []
        for i in items:
            sample = texts_only[i]
            images, problem = load_images(raw, i)
            inputs = rewriting_input(sample, seed)
            prompt = rewriter_prompt(inputs["instruction"], inputs["draft"], len(images), template,
                                     model.behaviour.media_layout)
            (ids,) = prompt_ids(tokenizer, [prompt], model.behaviour.bos)
            problem = problem or sample_problem({**sample, "images": images}, len(ids), p.max_prompt_tokens)
            row = {"index": i, "id": sample["id"], "dataset": sample["dataset"], **inputs, "rewrite": None,
                   "reason": problem, "new_tokens": 0}
            rows.append(row)
            if not problem:
                todo.append((row, images))
        torch.manual_seed(hash((seed, state.process_index, index)) % 2**31)  # a sampling preset's draws
        texts = rewrite(model, tokenizer, [{**row, "images": images} for row, images in todo],
                        template, p.decoding) if todo else []
        for (row, _), text in zip(todo, texts):
            row["rewrite"] = text
            row["new_tokens"] = len(tokenizer(text)["input_ids"])
        for row in rows:
            row["seconds"] = (time.perf_counter() - started) / len(rows)
        write_chunk(path, rows)


def merge(raws: list[datasets.Dataset], work_dir: Path, out_dir: Path, rejects_path: Path, metrics_path: Path,
          processes: int) -> None:
    """PF-raw from the finished chunks, the rejects table, and throughput."""
    raw = datasets.concatenate_datasets(raws)
    rows = read_chunks(work_dir)
    if sorted(r["index"] for r in rows) != list(range(raw.num_rows)):
        raise RuntimeError(f"{work_dir} holds {len(rows)} rows for {raw.num_rows} samples: a process did not finish")
    done = [r for r in rows if r["rewrite"] is not None]
    pf_raw = raw.select([r["index"] for r in done])
    pf_raw = pf_raw.remove_columns("instruction").add_column("instruction", [r["instruction"] for r in done])
    pf_raw = pf_raw.add_column("draft", [r["draft"] for r in done]).add_column("rewrite", [r["rewrite"] for r in done])
    save_dataset(pf_raw.cast(PF_RAW_FEATURES), out_dir)
    rejects = [{"id": r["id"], "dataset": r["dataset"], "reason": r["reason"]} for r in rows if r["rewrite"] is None]
    write_json(rejects, rejects_path)
    seconds = sum(r["seconds"] for r in rows)
    tokens = sum(r["new_tokens"] for r in done)
    write_json({"rewritten": len(done), "rejected": len(rejects), "processes": processes,
                "samples_per_second": round(len(rows) / seconds * processes, 3),
                "new_tokens_per_second": round(tokens / seconds * processes, 3)}, metrics_path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--seed", type=int, default=0, help="the training seed whose rewriter and PF-raw these are")
    parser.add_argument("--model", help="rewriter directory (default: models/polite_flamingo/seed<seed>)")
    parser.add_argument("--datasets", nargs="*", help="source datasets (default: rewriting.datasets)")
    parser.add_argument("--split", default="train", help="split of the source datasets (default: train)")
    parser.add_argument("--out", help="output name under data/ (default: pf_raw/seed<seed>)")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    data, models = Path(params.paths.data), Path(params.paths.models)
    name = args.out or f"pf_raw/seed{args.seed}"
    raws = [datasets.load_from_disk(str(data / "sources" / d))[args.split]
            for d in args.datasets or params.rewriting.datasets]
    work_dir = data / "checkpoints" / f"rewriting-{name}"
    rewrite_dataset(datasets.concatenate_datasets(raws), Path(args.model or models / "polite_flamingo" / f"seed{args.seed}"), work_dir,
                    params.rewriting, params.rewriter.template, params.seed)
    state = process_state()
    state.wait_for_everyone()
    if state.is_main_process:
        merge(raws, work_dir, data / name, data / f"{name}_rejects.json", data / f"{name}_throughput.json",
              state.num_processes)
        shutil.rmtree(work_dir)  # done: the outputs hold everything, and no later job may resume from it


if __name__ == "__main__":
    main()
