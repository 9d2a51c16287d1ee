"""The single-GPU profile and its benchmark: the gpu-small overlay validates with the paper's architecture at
~1B, the 7B shape counts LLaMA-7B's parameters, and the benchmark script runs end to end on CPU."""

import json
import os
import subprocess
import sys

import pytest
import torch

from pfutils.benchmarks.flops import flamingo_flops
from pfutils.benchmarks.gpu import LLAMA_7B, build_bench_model, shaped_config
from pfutils.params import validate
from pfutils.profiles import profile_params


@pytest.fixture(scope="module")
def gpu_small(request):
    root = request.config.rootpath
    return validate(profile_params("gpu-small", root / "params.yaml", root / "profiles"), "gpu-small")


def test_gpu_small_validates_with_the_stated_shapes(gpu_small):
    model = gpu_small.model
    assert gpu_small.compute.processes == 1
    assert model.vision.name == "ViT-B-16" and model.vision.random_weights and model.vision.local_dir is None
    assert model.lm.name_or_path is None
    lm = model.lm.llama_config
    assert (lm["hidden_size"], lm["num_hidden_layers"], lm["num_attention_heads"], lm["intermediate_size"],
            lm["vocab_size"]) == (2048, 20, 16, 5504, 32000)
    assert model.cross_attn_every_n_layers == 4
    assert (model.perceiver.depth, model.perceiver.num_latents) == (6, 64)
    assert (model.lora.r, model.lora.alpha, model.lora.dropout) == (64, 16, 0.1)
    assert len(model.lora.target_modules) == 7


def _meta_model(config):
    """The model's full structure with no memory behind it (the LM and adapters on the meta device)."""
    model, _ = build_bench_model(config, "meta")
    return model


def test_gpu_small_builds_a_1b_flamingo(gpu_small):
    model = _meta_model(gpu_small.model)
    assert list(model.gated_cross_attn_layers) == ["3", "7", "11", "15", "19"]
    assert model.image_size == (224, 224) and model.perceiver.latents.shape == (64, 768)
    counts = flamingo_flops(model, context_length=1024)
    # 20 x (4 x 2048^2 + 3 x 2048 x 5504 + 2 x 2048) + 2048 + 32000 x 2048 (head); the input table is a lookup
    assert counts.lm_params == 20 * (4 * 2048**2 + 3 * 2048 * 5504 + 2 * 2048) + 2048 + 32000 * 2048 == 1_077_495_808
    assert counts.lora_params == 20 * 64 * (4 * (2048 + 2048) + 2 * (2048 + 5504) + (5504 + 2048)) == 49_971_200
    assert 1.0e9 < counts.params_per_token < 1.4e9


def test_7b_shape_counts_llama_7b(gpu_small):
    config = shaped_config(gpu_small.model, "7b")
    assert config.lm.llama_config == LLAMA_7B and config.perceiver == gpu_small.model.perceiver
    model = _meta_model(config)
    assert len(model.gated_cross_attn_layers) == 8
    counts = flamingo_flops(model, context_length=1024)
    # LLaMA-7B's 6.74B parameters less its 131M-parameter input embedding table
    assert counts.lm_params == 6_607_343_616


def _bench_on_cpu(root, out, backend: str) -> dict:
    command = [sys.executable, "scripts/bench_gpu.py", "--shape", "tiny", "--device", "cpu", "--steps", "2",
               "--warmup", "1", "--batch", "2", "--context", "64", "--decode-batch", "4", "--prompt-tokens", "16",
               "--new-tokens", "8", "--compile-backend", backend, "--out", str(out)]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    subprocess.run(command, cwd=root, env=env, check=True, capture_output=True, timeout=300)
    return json.loads(out.read_text())


def test_a_compiled_run_that_fails_is_recorded_and_the_eager_numbers_kept(tmp_path, root):
    run = _bench_on_cpu(root, tmp_path / "bench.json", "no_such_backend")["runs"]["tiny"]
    for part, rate in (("decoding", "new_tokens_per_s"), ("training", "tokens_per_s")):
        assert run[part]["eager"][rate] > 0
        assert "no_such_backend" in run[part]["compiled"]["error"] and run[part]["speedup"] is None


def test_bench_script_runs_on_cpu(tmp_path, root):
    report = _bench_on_cpu(root, tmp_path / "bench.json", "aot_eager")
    assert report["device"] == "cpu" and report["torch"] == torch.__version__
    run = report["runs"]["tiny"]
    assert run["dtype"] == "float32" and run["model"]["xattn_blocks"] == 1 and run["model"]["lora_r"] == 64
    for way in ("eager", "compiled"):
        training, decoding = run["training"][way], run["decoding"][way]
        assert (training["batch_size"], training["context_length"], training["steps"]) == (2, 64, 2)
        assert training["tokens_per_s"] == pytest.approx(2 * 64 * 2 / training["seconds"])
        assert training["flops_per_token"] > 6 * run["model"]["params_per_token"]
        assert training["mfu"] is None and training["peak_flops"] is None  # no known peak for a CPU
        assert 4.0 < training["final_loss"] < 8.0  # about ln(512) for random weights
        assert decoding["generated_tokens"] == 4 * 8
        assert decoding["new_tokens_per_s"] == pytest.approx(32 / decoding["seconds"])
    for measured, rate in ((run["training"], "tokens_per_s"), (run["decoding"], "new_tokens_per_s")):
        assert measured["speedup"] == pytest.approx(measured["compiled"][rate] / measured["eager"][rate])
