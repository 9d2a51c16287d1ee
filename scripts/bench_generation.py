"""Batched KV-cached generation vs the per-sample loop of the original inference code, on a saved Flamingo.

    python scripts/bench_generation.py --model-dir models/base/flamingo --dataset data/sources/vqav2_like \
        --num-prompts 128 --batch-size 32 --max-new-tokens 32 --out reports/bench/generation.json

Prompts come from a saved dataset of the sample schema (`--dataset`, its test split, as chat prompts), or from
`--prompts`, a JSON-lines file of {"prompt": "... <image> ...", "images": ["path.png", ...]} (image paths
relative to that file; "images" may be omitted for text-only prompts). Both ways decode greedily; the script prints
and writes samples/s, tokens/s and the speed-up, and exits with status 1 when their outputs differ.
"""

import argparse
import json
import sys
from pathlib import Path

import datasets
from PIL import Image

from pfutils.model.bench import generation_benchmark
from pfutils.model.checkpoint import load_flamingo
from pfutils.model.images import image_transform, images_tensor
from pfutils.prompts import chat_prompt
from pfutils.storage import write_json


def read_prompts(path: Path, limit: int | None) -> tuple[list[str], list[list[Image.Image]]]:
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()][:limit]
    if not records:
        raise SystemExit(f"{path} holds no prompts")
    prompts = [record["prompt"] for record in records]
    images = [[Image.open(path.parent / image) for image in record.get("images", [])] for record in records]
    return prompts, images


def dataset_prompts(path: Path, split: str, limit: int | None) -> tuple[list[str], list[list[Image.Image]]]:
    rows = datasets.load_from_disk(str(path))[split]
    rows = list(rows.select(range(min(limit or rows.num_rows, rows.num_rows))))
    return [chat_prompt(r["instruction"], n_images=len(r["images"])) for r in rows], [r["images"] for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, required=True, help="a directory written by save_flamingo")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--prompts", type=Path, help="JSON lines of {prompt, images}")
    source.add_argument("--dataset", type=Path, help="a saved DatasetDict of the sample schema")
    parser.add_argument("--split", default="test")
    parser.add_argument("--num-prompts", type=int, default=None, help="use the first N prompts (default: all)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--out", type=Path, default=Path("reports/bench/generation.json"))
    args = parser.parse_args()

    model, tokenizer = load_flamingo(args.model_dir)
    if args.prompts:
        prompts, images = read_prompts(args.prompts, args.num_prompts)
    else:
        prompts, images = dataset_prompts(args.dataset, args.split, args.num_prompts)
    pixels, image_mask = images_tensor(images, image_transform(model.vision_encoder))
    report = generation_benchmark(
        model, tokenizer, prompts, pixels, image_mask, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens
    )
    report["model_dir"] = str(args.model_dir)
    report["prompts"] = str(args.prompts or args.dataset)
    write_json(report, args.out)
    for way in ("per_sample", "batched"):
        print(f"{way:>10}: {report[way]['samples_per_s']:.2f} samples/s, {report[way]['tokens_per_s']:.1f} tokens/s")
    print(f"  speed-up: {report['speedup_samples_per_s']:.1f}x; identical outputs: {report['outputs_identical']}")
    print(f"   written: {args.out}")
    return 0 if report["outputs_identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
