"""Stage 03's job: drafts per task family, rejects with reasons, sharding over processes, kill-and-resume."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import datasets
import pytest
import yaml

from model_fixtures import tiny_flamingo
from pfutils.model.checkpoint import save_flamingo
from pfutils.rewriting.drafts import rewriting_input
from pfutils.resume import prepare_work_dir
from pfutils.rewriting.shards import my_chunks, read_chunks, write_chunk
from pfutils.schema import FEATURES
from pfutils.storage import read_json
from pfutils.toyworld.scene import World
from pfutils.toyworld.sources import build_source, make_sample

ROOT = Path(__file__).resolve().parents[1]


def test_drafts_per_task_family():
    coco = make_sample("coco_like", "train", 0, 0, World())
    inputs = rewriting_input(coco, seed=0)
    assert inputs["instruction"] != coco["instruction"], "captioning is rewritten into a detailed description"
    assert coco["captions"][0] in inputs["draft"] and "bounding boxes" in inputs["draft"]
    vqa = make_sample("vqav2_like", "train", 0, 0, World())
    assert rewriting_input(vqa, seed=0) == {"instruction": vqa["instruction"], "draft": vqa["answer"]}
    assert rewriting_input(coco, seed=0) == rewriting_input(coco, seed=0)


def test_chunks_split_the_items_between_processes_without_overlap(tmp_path):
    shares = [my_chunks(23, 4, rank, 3) for rank in range(3)]
    items = sorted(i for share in shares for _, chunk in share for i in chunk)
    assert items == list(range(23))
    prepare_work_dir(tmp_path / "w", "a")
    write_chunk(tmp_path / "w" / "rank-000" / "chunk-000000.jsonl", [{"index": 1}, {"index": 0}])
    prepare_work_dir(tmp_path / "w", "a")
    assert [r["index"] for r in read_chunks(tmp_path / "w")] == [0, 1], "same job: finished chunks are kept"
    prepare_work_dir(tmp_path / "w", "b")
    assert read_chunks(tmp_path / "w") == [], "another job: stale chunks are cleared"


@pytest.fixture(scope="module")
def job(tmp_path_factory) -> Path:
    """A tiny rewriter, a raw VQA source with planted bad samples, and params pointing at them."""
    root = tmp_path_factory.mktemp("rewriting")
    model, tokenizer = tiny_flamingo(seed=0)
    save_flamingo(model, root / "models" / "rewriter", tokenizer, title="t", description="d", data="-", params={},
                  save_lm=True, save_vision=True)
    rows = build_source("vqav2_like", {"train": 22}, 0, World())["train"].to_list()
    rows[3]["response"] = "   "                 # empty annotation
    rows[5]["images"] = []                       # missing image
    rows[7]["instruction"] = "w1 " * 400         # over-long input
    ds = datasets.Dataset.from_list(rows, features=FEATURES)
    datasets.DatasetDict({"train": ds}).save_to_disk(str(root / "data" / "sources" / "vqav2_like"))
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["paths"] = {"data": str(root / "data"), "models": str(root / "models"), "reports": str(root / "reports")}
    params["rewriting"].update(datasets=["vqav2_like"], chunk_size=3, max_prompt_tokens=300)
    params["rewriting"]["decoding"].update(max_new_tokens=4, batch_size=3)
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    return root


def _command(job: Path, out: str) -> list[str]:
    return ["-m", "pfutils.rewriting.run", "--params", str(job / "params.yaml"), "--model",
            str(job / "models" / "rewriter"), "--out", out]


def _env():
    return {**os.environ, "OMP_NUM_THREADS": "1"}


def _outputs(job: Path, out: str) -> tuple[dict, list]:
    ds = datasets.load_from_disk(str(job / "data" / out))
    return dict(zip(ds["id"], ds["rewrite"])), read_json(job / "data" / f"{out}_rejects.json")


@pytest.mark.slow
def test_bad_samples_are_rejected_with_their_reason_and_the_rest_rewritten(job):
    subprocess.run([sys.executable, *_command(job, "clean")], check=True, env=_env(), cwd=ROOT)
    rewrites, rejects = _outputs(job, "clean")
    reasons = {r["id"]: r["reason"] for r in rejects}
    assert set(reasons) == {"vqav2_like/train/3", "vqav2_like/train/5", "vqav2_like/train/7"}
    assert reasons["vqav2_like/train/3"] == "empty annotation"
    assert "0 images" in reasons["vqav2_like/train/5"] and "max_prompt_tokens" in reasons["vqav2_like/train/7"]
    assert len(rewrites) == 19 and all(isinstance(t, str) for t in rewrites.values())
    throughput = read_json(job / "data" / "clean_throughput.json")
    assert throughput["rewritten"] == 19 and throughput["samples_per_second"] > 0


def _kill_mid_run(job: Path, out: str, *args: str, command: list[str] | None = None, chunks: int = 8) -> Path:
    """Starts a rewriting job (of `chunks` chunks), SIGKILLs it once two are finished, returns its work folder."""
    process = subprocess.Popen(command or [sys.executable, *_command(job, out), *args], env=_env(), cwd=ROOT)
    work = job / "data" / "checkpoints" / f"rewriting-{out}"
    deadline = time.time() + 120
    while len(list(work.glob("rank-*/chunk-*.jsonl"))) < 2 and time.time() < deadline:
        time.sleep(0.05)
    finished = len(list(work.glob("rank-*/chunk-*.jsonl")))  # counted when the kill is sent: workers of a killed
    process.send_signal(signal.SIGKILL)                       # parent may finish a chunk before they are gone
    process.wait()
    assert 2 <= finished < chunks, "the kill should land mid-run"
    return work


def _clean(job: Path) -> tuple[dict, list]:
    if not (job / "data" / "clean").exists():
        subprocess.run([sys.executable, *_command(job, "clean")], check=True, env=_env(), cwd=ROOT)
    return _outputs(job, "clean")


def _torchrun(processes: int) -> list[str]:
    return [str(Path(sys.executable).parent / "torchrun"), "--standalone", "--nproc_per_node", str(processes)]


@pytest.mark.slow
def test_a_killed_run_resumes_without_losing_or_duplicating(job):
    work = _kill_mid_run(job, "killed")
    assert not (job / "data" / "killed").exists()
    subprocess.run([sys.executable, *_command(job, "killed")], check=True, env=_env(), cwd=ROOT)
    rewrites, rejects = _outputs(job, "killed")
    assert len(rewrites) + len(rejects) == 22 and len(rewrites) == 19
    assert (rewrites, rejects) == _clean(job)
    assert not work.exists(), "a finished job removes its resume state"


@pytest.mark.slow
def test_two_processes_split_the_work_and_merge_to_the_same_result(job):
    subprocess.run([*_torchrun(2), *_command(job, "two")], check=True, env=_env(), cwd=ROOT)
    assert read_json(job / "data" / "two_throughput.json")["processes"] == 2
    assert _outputs(job, "two") == _clean(job)


@pytest.mark.slow
def test_the_process_count_can_change_between_runs_with_no_manual_step(job):
    """1 process killed mid-run, then 2 processes, then 1 again: each run ends with the clean result. The
    process count is part of the job's fingerprint (it decides which chunk holds which samples), so the
    1-process chunks are discarded, not merged with the 2-process ones."""
    _kill_mid_run(job, "switch")
    done = subprocess.run([*_torchrun(2), *_command(job, "switch")], env=_env(), cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "discarding resume state of another job" in done.stderr
    assert _outputs(job, "switch") == _clean(job)
    subprocess.run([sys.executable, *_command(job, "switch")], check=True, env=_env(), cwd=ROOT)
    assert _outputs(job, "switch") == _clean(job)


@pytest.mark.slow
def test_a_sampling_preset_draws_the_same_after_a_resume(job):
    """The authors' preset samples: each chunk seeds torch from (seed, rank, chunk), so a run killed mid-way and
    resumed in a fresh process writes what an uninterrupted run writes."""
    params = yaml.safe_load((job / "params.yaml").read_text())
    params["rewriting"]["decoding"]["preset"] = "authors"
    (job / "params_sampled.yaml").write_text(yaml.safe_dump(params))

    def command(out: str) -> list[str]:
        return [sys.executable, "-m", "pfutils.rewriting.run", "--params", str(job / "params_sampled.yaml"),
                "--model", str(job / "models" / "rewriter"), "--out", out]

    subprocess.run(command("sampled"), check=True, env=_env(), cwd=ROOT)
    _kill_mid_run(job, "sampled_resumed", command=command("sampled_resumed"))
    subprocess.run(command("sampled_resumed"), check=True, env=_env(), cwd=ROOT)
    assert _outputs(job, "sampled_resumed") == _outputs(job, "sampled")


@pytest.mark.slow
def test_a_changed_raw_row_is_rewritten_again(job):
    """A run killed mid-way, then one raw answer changed under the same id: the next run must not reuse the
    chunk that holds the old answer's rewrite."""
    from pfutils.storage import save_dataset

    source = datasets.load_from_disk(str(job / "data" / "sources" / "vqav2_like"))
    changed = job / "data" / "sources" / "vqav2_changed"
    save_dataset(source, changed)
    _kill_mid_run(job, "changed", "--datasets", "vqav2_changed")
    rows = source["train"].to_list()
    rows[0]["response"] = "a changed answer"
    save_dataset(datasets.DatasetDict({"train": datasets.Dataset.from_list(rows, features=FEATURES)}), changed)
    done = subprocess.run([sys.executable, *_command(job, "changed"), "--datasets", "vqav2_changed"], env=_env(),
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "discarding resume state of another job" in done.stderr
    rewritten = datasets.load_from_disk(str(job / "data" / "changed"))
    assert rewritten[0]["id"] == rows[0]["id"] and rewritten[0]["draft"] == "a changed answer"


def _job_processes(tag: str) -> list[int]:
    """Live processes whose command line names `tag` (zombies, already dead, excluded)."""
    found = []
    for proc in (p for p in Path("/proc").iterdir() if p.name.isdigit()):
        try:
            alive = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
            if alive and tag in (proc / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(proc.name))
        except (OSError, IndexError):  # the process ended while being read
            continue
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's")
def test_killing_the_parent_of_a_two_process_job_leaves_no_worker_and_no_late_write(job):
    """The process that called `run_module` (a notebook's kernel in the pipeline) is killed mid-job: torchrun and
    both workers must go with it, and nothing may be written after."""
    params = yaml.safe_load((job / "params.yaml").read_text())
    # 10 x 22 chunks of one sample: the kill lands while most of the job is still to do, however fast the host
    params["rewriting"].update(chunk_size=1, datasets=["vqav2_like"] * 10)
    (job / "params_one_per_chunk.yaml").write_text(yaml.safe_dump(params))
    starter = ("import sys; from pfutils.launch import run_module; "
               "run_module('pfutils.rewriting.run', sys.argv[1], 2, '--model', sys.argv[2], '--out', 'orphans')")
    work = _kill_mid_run(job, "orphans", command=[sys.executable, "-c", starter, str(job / "params_one_per_chunk.yaml"),
                                                  str(job / "models" / "rewriter")], chunks=220)
    deadline = time.time() + 30
    while _job_processes("orphans") and time.time() < deadline:
        time.sleep(0.2)
    assert _job_processes("orphans") == [], "a worker or torchrun outlived the process that started the job"
    before = sorted((p, p.stat().st_mtime_ns) for p in work.rglob("*"))
    time.sleep(3)
    assert sorted((p, p.stat().st_mtime_ns) for p in work.rglob("*")) == before, "something wrote after the kill"
    assert not (job / "data" / "orphans").exists()
