"""Stage 01's job on the `hf` backend with a tiny LLaMA: chunks shared by two processes, a kill, a resume."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import datasets
import pandas as pd
import pytest
import torch
import yaml
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from pfutils.distortion.llm_hf import replica_gpus
from pfutils.distortion.mix import chunk_rng
from pfutils.distortion.prompts import distortion_prompt
from pfutils.toyworld.scene import World
from pfutils.toyworld.sources import build_source

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("llava_conv_like", "text_dialogue_like")


def test_each_process_gets_its_own_equal_share_of_the_gpus():
    assert [replica_gpus(rank, 4, 8) for rank in range(4)] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert replica_gpus(0, 2, 0) == [], "no GPU: the CPU"
    with pytest.raises(ValueError, match="distortion.processes"):
        replica_gpus(0, 4, 2)


def test_a_chunks_rng_depends_on_the_seed_and_its_index_only():
    assert chunk_rng(0, 3).random() == chunk_rng(0, 3).random()
    assert len({chunk_rng(0, 3).random(), chunk_rng(0, 4).random(), chunk_rng(1, 3).random()}) == 3


def _tiny_llm(directory: Path, polite: list[datasets.Dataset]) -> None:
    """A tiny LlamaForCausalLM with a byte-level BPE tokenizer, both made from the job's prompts and saved as a
    model directory that `distortion.llm.model` can name. A few steps teach it to close the draft's quote (after
    a word or two that depend on the prompt), so some of its drafts are kept and some are rejected."""
    prompts = [distortion_prompt(r["instruction"], r["response"], c) for ds in polite for r in ds for c in (None, 5)]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(prompts, trainers.BpeTrainer(vocab_size=300, special_tokens=["<pad>", "</s>"],
                                                         initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="</s>", pad_token="<pad>")
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
    model = LlamaForCausalLM(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(40):
        prompt = prompts[step % len(prompts)]
        target = " ".join(prompt.split()[-12:-10]) + '"'  # two words of the request, then the closing quote
        ids = tokenizer(prompt + target, return_tensors="pt")["input_ids"]
        labels = ids.clone()
        labels[:, :len(tokenizer(prompt)["input_ids"])] = -100
        model(input_ids=ids, labels=labels).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)


@pytest.fixture(scope="module")
def job(tmp_path_factory) -> Path:
    """Two polite sources (one with images, one text-only), a tiny `hf` LLM, and params pointing at them."""
    root = tmp_path_factory.mktemp("distortion")
    splits = {name: build_source(name, {"train": 24, "test": 6}, 0, World()) for name in SOURCES}
    for name, dsd in splits.items():
        dsd.save_to_disk(str(root / "data" / "sources" / name))
    _tiny_llm(root / "models" / "llm", [dsd["train"] for dsd in splits.values()])
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["paths"] = {"data": str(root / "data"), "models": str(root / "models"), "reports": str(root / "reports")}
    params["distortion"].update(sources=list(SOURCES), chunk_size=2)
    params["distortion"]["llm"].update(backend="hf", model=str(root / "models" / "llm"), batch_size=2,
                                       max_new_tokens=8)
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    return root


def _command(job: Path, processes: int) -> list[str]:
    torchrun = [str(Path(sys.executable).parent / "torchrun"), "--standalone", "--nproc_per_node", str(processes),
                "-m", "pfutils.launch"]
    return [*(torchrun if processes > 1 else [sys.executable, "-m"]), "pfutils.distortion.run", "--params",
            str(job / "params.yaml")]


def _env() -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1"}


def _outputs(job: Path) -> tuple[list[dict], list[dict]]:
    pairs = datasets.load_from_disk(str(job / "data" / "distorted"))
    rejects = pd.read_csv(job / "reports" / "tables" / "01_rejects.csv", keep_default_na=False)
    return ([row for split in ("train", "test") for row in pairs[split].remove_columns("images").to_list()],
            rejects.to_dict("records"))


def _run(job: Path, processes: int) -> tuple[list[dict], list[dict]]:
    subprocess.run(_command(job, processes), check=True, env=_env(), cwd=ROOT)
    outputs = _outputs(job)
    for name in ("distorted", "checkpoints"):  # the next run starts from nothing
        shutil.rmtree(job / "data" / name, ignore_errors=True)
    return outputs


@pytest.mark.slow
def test_two_processes_killed_and_resumed_write_what_one_process_writes(job):
    one = _run(job, 1)
    pairs, rejects = one
    assert {p["strategy"] for p in pairs} >= {"llm", "augment"}
    assert len({p["command"] for p in pairs if p["strategy"] == "llm"}) > 2, "commands drawn per chunk"
    assert len(pairs) + len(rejects) == 2 * (24 + 6), "every polite sample is a pair or a reject"
    assert _run(job, 2) == one, "the same drafts on two processes"

    process = subprocess.Popen(_command(job, 2), env=_env(), cwd=ROOT, start_new_session=True)
    work = job / "data" / "checkpoints" / "distortion-train"
    deadline = time.time() + 300
    while len(list(work.glob("chunk-*.json"))) < 3 and time.time() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done = len(list(work.glob("chunk-*.json")))
    assert 3 <= done and not (job / "data" / "distorted").exists(), "the kill should land mid-run"
    subprocess.run(_command(job, 2), check=True, env=_env(), cwd=ROOT)
    assert _outputs(job) == one, "resumed after the kill: what an uninterrupted run writes"
    assert not work.exists(), "the resume state is removed once the output is saved"
