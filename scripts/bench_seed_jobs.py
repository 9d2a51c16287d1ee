"""Training seeds one after another (in this process, on every core) vs side by side (`compute.seed_jobs`
processes on cores // seed_jobs threads each, `pfutils.launch.run_side_by_side`), on one recipe of stage 06.

    python scripts/bench_seed_jobs.py --recipe stage3 --seed-jobs 3 --out reports/bench/seed_jobs.json

Both ways train the recipe for every seed of `tuning.seeds` from the committed start models, in a scratch folder
(the start models and stage datasets are linked there, never written). Prints and writes the wall seconds of each
way, the speed-up, and how far the trained tensors of the two ways differ: float rounding with the thread count.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import yaml
from safetensors.torch import load_file

from pfutils.launch import run_side_by_side
from pfutils.params import load_params
from pfutils.storage import write_json
from pfutils.tuning.recipes import tuned_dir


def scratch_params(params_path: str, root: Path, recipe: str, seed_jobs: int) -> Path:
    """A copy of the params writing under `root`, with the recipe's start models and the stage datasets linked in."""
    raw = yaml.safe_load(Path(params_path).read_text())
    models, data = Path(raw["paths"]["models"]).resolve(), Path(raw["paths"]["data"]).resolve()
    start = raw["tuning"]["recipes"][recipe]["start"]
    (root / "models").mkdir(parents=True)
    (root / "data").mkdir()
    for name in {"base", start}:
        (root / "models" / name).symlink_to(models / name)
    (root / "data" / "stages").symlink_to(data / "stages")
    raw["paths"].update(models=str(root / "models"), data=str(root / "data"), reports=str(root / "reports"))
    raw["compute"]["seed_jobs"] = seed_jobs
    path = root / "params.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def trained_seconds(params_path: Path, recipe: str) -> float:
    params = load_params(str(params_path))
    jobs = [[("pfutils.tuning.run", "--model", recipe, "--seed", str(seed))] for seed in params.tuning.seeds]
    started = time.perf_counter()
    run_side_by_side(str(params_path), params.compute, jobs)
    return time.perf_counter() - started


def largest_difference(a: Path, b: Path) -> float:
    """The largest absolute difference between the tensors of the weight files of two trained model folders."""
    largest = 0.0
    for file in sorted(a.rglob("*.safetensors")):
        left, right = load_file(file), load_file(b / file.relative_to(a))
        largest = max([largest, *((left[k] - right[k]).abs().max().item() for k in left)])
    return largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--recipe", default="stage3", help="a recipe of tuning.recipes whose start models exist")
    parser.add_argument("--seed-jobs", type=int, default=3)
    parser.add_argument("--out", default="reports/bench/seed_jobs.json")
    args = parser.parse_args()
    seeds = load_params(args.params).tuning.seeds
    with tempfile.TemporaryDirectory() as scratch:
        ways = {"one_after_another": 1, "side_by_side": args.seed_jobs}
        paths = {way: scratch_params(args.params, Path(scratch) / way, args.recipe, jobs) for way, jobs in ways.items()}
        seconds = {way: trained_seconds(path, args.recipe) for way, path in paths.items()}
        models = {way: path.parent / "models" for way, path in paths.items()}
        difference = max(largest_difference(tuned_dir(models["one_after_another"], args.recipe, seed),
                                            tuned_dir(models["side_by_side"], args.recipe, seed)) for seed in seeds)
    report = {"recipe": args.recipe, "seeds": list(seeds), "cpu_count": os.cpu_count(), "seed_jobs": args.seed_jobs,
              "seconds": {way: round(s, 1) for way, s in seconds.items()},
              "speedup": round(seconds["one_after_another"] / seconds["side_by_side"], 3),
              "largest_tensor_difference": difference}
    print(yaml.safe_dump(report, sort_keys=False))
    write_json(report, args.out)


if __name__ == "__main__":
    main()
