"""The paper profile's stage 00b notebook, run end to end on tiny towers and a tiny released-format checkpoint."""
import json

import papermill
import pytest
import torch
import yaml

from model_fixtures import (one_torch_thread, openflamingo_v1_state_dict, save_llama_dir,  # noqa: F401
                            save_open_clip_dir, tiny_tokenizer)
from pfutils.model.build import build_flamingo
from pfutils.model.checkpoint import load_flamingo
from pfutils.model.lora import add_lora
from pfutils.model.openflamingo import openflamingo_tokenizer
from pfutils.params import load_params


@pytest.mark.slow
def test_the_openflamingo_notebook_builds_and_saves_the_base(root, tmp_path):
    save_open_clip_dir(tmp_path / "clip")
    llama = tmp_path / "llama"  # a tokenizer without <image>, <|endofchunk|> or a pad token, as LLaMA's
    words = tiny_tokenizer(flamingo_tokens=False)
    save_llama_dir(llama, words)
    raw = yaml.safe_load((root / "params.yaml").read_text())
    raw["paths"] = {name: str(tmp_path / name) for name in ("data", "models", "reports")}
    raw["model"].update(vision={"local_dir": str(tmp_path / "clip")}, lm={"name_or_path": str(llama)})
    raw["base"].update(notebook="00b_openflamingo",
                       openflamingo={"checkpoint": str(tmp_path / "checkpoint.pt"), "file": "checkpoint.pt",
                                     "lora_adapter": str(tmp_path / "adapter")})
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw))
    params = load_params(tmp_path / "params.yaml")

    torch.manual_seed(1)  # the "released" model: its perceiver, XATTN and embeddings in OpenFlamingo v1's names
    released, _ = build_flamingo(params.model, openflamingo_tokenizer(str(llama)), device="cpu", dtype=torch.float32)
    state = {k: v for k, v in openflamingo_v1_state_dict(released).items()
             if k.startswith("perceiver.") or "gated_cross_attn_layer" in k or k == "lang_encoder.model.embed_tokens.weight"}
    torch.save({"model_state_dict": state}, tmp_path / "checkpoint.pt")
    add_lora(released, params.model.lora)  # the start adapter, as Guanaco-7B's: trained elsewhere on the same LM
    with torch.no_grad():
        for name, param in released.named_parameters():
            if ".lora_B." in name:
                param.normal_()
    released.lang_encoder.save_pretrained(tmp_path / "adapter", save_embedding_layers=False)

    papermill.execute_notebook(str(root / "notebooks" / "00b_openflamingo.ipynb"), str(tmp_path / "run.ipynb"),
                               parameters={"params_path": str(tmp_path / "params.yaml")}, cwd=str(root),
                               kernel_name="python3", progress_bar=False)
    model, tokenizer = load_flamingo(tmp_path / "models" / "base" / "flamingo", device="cpu", dtype=torch.float32)
    assert torch.equal(model.perceiver.latents, released.perceiver.latents)
    assert torch.equal(model.lang_encoder.get_input_embeddings().weight,
                       released.lang_encoder.get_input_embeddings().weight)
    assert tokenizer.convert_tokens_to_ids("<image>") == model.media_token_id == len(words) + 1
    lora = {n: p for n, p in model.named_parameters() if ".lora_" in n}
    assert lora and all(torch.equal(p, dict(released.named_parameters())[n]) for n, p in lora.items())
    metrics = json.loads((tmp_path / "reports" / "metrics" / "00b_base_models.json").read_text())
    assert metrics["lora_adapter"] == str(tmp_path / "adapter")
    assert metrics["source"] == "openflamingo" and metrics["tensors"]["from_checkpoint"] == len(
        [k for k in released.state_dict() if k.startswith(("perceiver.", "gated_cross_attn_layers."))]) + 1
    assert (tmp_path / "reports" / "plots" / "00b_base_training.csv").read_text() == "model,step,loss\n"
