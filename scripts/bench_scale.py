"""Does the paper path scale? Stages 00-06 of `paper-mini` at N and at 8N samples, peak memory per stage and disk.

    python scripts/bench_scale.py --images 12 --factor 8 --image-px 480 --out reports/bench/scale.json

For each size, a fresh copy of this repository (tracked and new files) gets paper-mini's release written with
`--images` (then `factor` times as many) images per raw dataset at `--image-px` pixels on the long side, the
profile applied with every source's `limit` and `holdout` scaled by the same factor, and each stage of 00-06 run
alone (`dvc repro -s`) while the resident memory of its whole process tree (DVC, papermill, the kernel, any
torchrun workers) is sampled every 0.1 s. At 8N it also measures `data/` against the raw annotations and images
it was made from. A stage whose memory holds a dataset's images grows with N; one that streams them does not.
Writes {"n", "factor", "image_px", "stages": {stage: {"rss_n", "rss_8n", "ratio"}}, "data_bytes_8n",
"raw_bytes_8n", "data_ratio_8n"} and prints the table.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

from pfutils.papermini.checkout import fresh_checkout

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("check_params", "sources", "base_models", "base_eval", "distortion", "rewriter_training", "rewriting",
          "reward_model", "filtering", "augmentation")


def scaled_sources(params_path: Path, factor: int) -> None:
    """Every real source's `limit` and `holdout` counts times `factor` (the release grows by the same factor)."""
    params = yaml.safe_load(params_path.read_text())
    for sources in params["sources"]["real"].values():
        for source in sources:
            if source.get("limit"):
                source["limit"] *= factor
            if source.get("holdout"):
                source["holdout"] = {split: n * factor for split, n in source["holdout"].items()}
    params_path.write_text(yaml.safe_dump(params, sort_keys=False))


def peak_tree_rss(cmd: list[str], cwd: Path, env: dict) -> int:
    """Run `cmd`; the largest total resident memory its process tree reached (bytes), sampled every 0.1 s."""
    process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    parent = psutil.Process(process.pid)

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            total = 0
            try:
                for p in [parent, *parent.children(recursive=True)]:
                    total += p.memory_info().rss
            except psutil.Error:
                pass
            peak = max(peak, total)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    output, _ = process.communicate()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{output[-4000:]}")
    return peak


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def measure(images: int, factor: int, image_px: int, work: Path) -> dict:
    repo = work / f"n{images * factor}"
    fresh_checkout(ROOT, repo)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    subprocess.run([sys.executable, "-m", "pfutils.papermini", "--images", str(images * factor),
                    "--image-px", str(image_px)], cwd=repo, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "pfutils.profiles", "paper-mini"], cwd=repo, env=env, check=True,
                   capture_output=True)
    scaled_sources(repo / "params.yaml", factor)
    listed = subprocess.run(["dvc", "stage", "list", "--name-only"], cwd=repo, env=env, capture_output=True,
                            text=True, check=True).stdout.split()
    stages = [*STAGES, *(s for s in listed if s.startswith("tune@"))]  # dvc.yaml's order: a recipe after its start
    rss = {}
    for stage in stages:
        rss[stage] = peak_tree_rss(["dvc", "repro", "-s", stage], repo, env)
        print(f"  {images * factor:>5} images: {stage:<24} peak RSS {rss[stage] / 2**20:8.0f} MiB", flush=True)
    return {"rss": rss, "data_bytes": directory_bytes(repo / "data"), "raw_bytes": directory_bytes(repo / "raw")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=12, help="N: images per raw dataset's train split")
    parser.add_argument("--factor", type=int, default=8)
    parser.add_argument("--image-px", type=int, default=480, help="pixels on an image's long side")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench" / "scale.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as work:
        small = measure(args.images, 1, args.image_px, Path(work))
        large = measure(args.images, args.factor, args.image_px, Path(work))
    stages = {stage: {"rss_n": small["rss"][stage], "rss_8n": large["rss"][stage],
                      "ratio": round(large["rss"][stage] / small["rss"][stage], 3)} for stage in small["rss"]}
    result = {"n": args.images, "factor": args.factor, "image_px": args.image_px, "stages": stages,
              "data_bytes_8n": large["data_bytes"], "raw_bytes_8n": large["raw_bytes"],
              "data_ratio_8n": round(large["data_bytes"] / large["raw_bytes"], 3)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{'stage':<24} {'RSS at N':>10} {'at 8N':>10} {'ratio':>6}")
    for stage, row in stages.items():
        print(f"{stage:<24} {row['rss_n'] / 2**20:>9.0f}M {row['rss_8n'] / 2**20:>9.0f}M {row['ratio']:>6.2f}")
    print(f"data/ at 8N: {large['data_bytes'] / 2**20:.1f} MiB from {large['raw_bytes'] / 2**20:.1f} MiB of raw "
          f"annotations and images ({result['data_ratio_8n']:.2f}x); written to {args.out}")


if __name__ == "__main__":
    main()
