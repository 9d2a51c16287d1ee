"""OpenFlamingo-v1-format state dicts map onto the model: every key consumed, every value where it belongs."""

import pytest
import torch
from model_fixtures import openflamingo_v1_state_dict, tiny_flamingo
from model_fixtures import one_torch_thread  # noqa: F401  (autouse: one torch thread per test)

from pfutils.model.lora import add_lora
from pfutils.model.openflamingo import (attach_start_adapter, load_openflamingo_checkpoint,
                                        load_openflamingo_state_dict)


def test_full_v1_state_dict_lands_on_every_parameter():
    source, _ = tiny_flamingo(seed=1)
    model, _ = tiny_flamingo(seed=2)
    report = load_openflamingo_state_dict(model, openflamingo_v1_state_dict(source))
    expected = source.state_dict()
    assert report["not_in_checkpoint"] == []
    assert report["loaded"] == sorted(expected)
    assert all(torch.equal(tensor, expected[name]) for name, tensor in model.state_dict().items())
    assert "vision_encoder.token_embedding.weight" in report["dropped"]
    assert "lang_encoder.model.layers.1.gated_cross_attn_layer.attn_gate" in report["dropped"]
    assert "lang_encoder.model.layers.0.decoder_layer.self_attn.rotary_emb.inv_freq" in report["dropped"]


def test_released_checkpoint_with_trained_parts_only_from_a_pt_file(tmp_path):
    """OpenFlamingo-9B's checkpoint.pt holds perceiver, XATTN (twice) and embed_tokens; the rest stays."""
    source, _ = tiny_flamingo(seed=1)
    model, _ = tiny_flamingo(seed=2)
    untouched = model.state_dict()["lang_encoder.model.layers.0.mlp.up_proj.weight"].clone()
    state = {
        k: v
        for k, v in openflamingo_v1_state_dict(source).items()
        if k.startswith("perceiver.") or "gated_cross_attn_layer" in k or k == "lang_encoder.model.embed_tokens.weight"
    }
    torch.save({"model_state_dict": state}, tmp_path / "checkpoint.pt")
    report = load_openflamingo_checkpoint(model, tmp_path / "checkpoint.pt")
    assert torch.equal(model.perceiver.latents, source.perceiver.latents)
    block, source_block = model.gated_cross_attn_layers["3"], source.gated_cross_attn_layers["3"]
    assert torch.equal(block.ff[3].weight, source_block.ff[3].weight)
    assert torch.equal(model.base_lm.get_input_embeddings().weight, source.base_lm.get_input_embeddings().weight)
    assert torch.equal(model.state_dict()["lang_encoder.model.layers.0.mlp.up_proj.weight"], untouched)
    assert "lang_encoder.lm_head.weight" in report["not_in_checkpoint"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("perceiver.norm.weight"), r"missing \['perceiver.norm.weight'\]"),
        (
            lambda s: s.update({"lang_encoder.extra.weight": torch.zeros(1)}),
            r"unexpected \['lang_encoder.extra.weight'\]",
        ),
        (
            lambda s: s.update({"lang_encoder.model.embed_tokens.weight": torch.zeros(66, 32)}),
            r"lang_encoder.model.embed_tokens.weight: \(66, 32\) in checkpoint, \(64, 32\) in model",
        ),
        (
            lambda s: s["lang_encoder.model.layers.1.gated_cross_attn_layer.attn_gate"].add_(1),
            "should be the same tensor but differ",
        ),
    ],
)
def test_problems_fail_naming_the_keys(change, message):
    source, _ = tiny_flamingo(seed=1)
    model, _ = tiny_flamingo(seed=2)
    state = openflamingo_v1_state_dict(source)
    change(state)
    with pytest.raises(ValueError, match=message):
        load_openflamingo_state_dict(model, state)


def test_openflamingo_base_lines_the_checkpoint_up_with_openflamingos_tokens(tmp_path):
    """The paper's stage 00b: towers from their sources, the tokenizer extended in OpenFlamingo's order, then the
    released checkpoint (perceiver, XATTN twice, the grown embeddings) from a `.pt` file."""
    from model_fixtures import save_llama_dir, tiny_config, tiny_tokenizer
    from pfutils.model.build import build_flamingo
    from pfutils.model.openflamingo import openflamingo_base, openflamingo_checkpoint_path, openflamingo_tokenizer

    llama = tmp_path / "llama"  # an LM whose tokenizer lacks <image>, <|endofchunk|> and a pad token, as LLaMA's
    words = tiny_tokenizer(flamingo_tokens=False)
    save_llama_dir(llama, words)
    config = tiny_config(lm={"name_or_path": str(llama)})
    torch.manual_seed(1)
    released, _ = build_flamingo(config, openflamingo_tokenizer(str(llama)), device="cpu", dtype=torch.float32)
    state = {k: v for k, v in openflamingo_v1_state_dict(released).items()
             if k.startswith("perceiver.") or "gated_cross_attn_layer" in k or k == "lang_encoder.model.embed_tokens.weight"}
    torch.save({"model_state_dict": state}, tmp_path / "checkpoint.pt")
    assert openflamingo_checkpoint_path(str(tmp_path / "checkpoint.pt"), "ignored.pt") == tmp_path / "checkpoint.pt"

    torch.manual_seed(2)
    model, tokenizer, report = openflamingo_base(config, tmp_path / "checkpoint.pt", device="cpu", dtype=torch.float32)
    n = len(words)
    assert tokenizer.convert_tokens_to_ids(["<|endofchunk|>", "<image>", "<PAD>"]) == [n, n + 1, n + 2]
    assert (model.media_token_id, model.eoc_token_id) == (n + 1, n)
    assert torch.equal(model.perceiver.latents, released.perceiver.latents)
    embeddings = model.lang_encoder.get_input_embeddings().weight
    assert embeddings.shape[0] == n + 3 and torch.equal(embeddings, released.lang_encoder.get_input_embeddings().weight)
    assert "lang_encoder.model.embed_tokens.weight" in report["loaded"]
    assert "lang_encoder.model.layers.0.mlp.up_proj.weight" in report["not_in_checkpoint"]  # from the LM's own file


def test_checkpoint_path_finds_the_file_of_a_hub_repo_in_the_cache(tmp_path, monkeypatch):
    """`base.openflamingo.checkpoint` as a hub repo: its `file` is read from the Hugging Face cache (offline)."""
    import huggingface_hub

    from pfutils.model.openflamingo import openflamingo_checkpoint_path

    snapshot = tmp_path / "models--openflamingo--OpenFlamingo-9B-deprecated" / "snapshots" / "0123456789abcdef"
    snapshot.mkdir(parents=True)
    (snapshot / "checkpoint.pt").write_text("w")
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("0123456789abcdef")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    found = openflamingo_checkpoint_path("openflamingo/OpenFlamingo-9B-deprecated", "checkpoint.pt")
    assert found.resolve() == (snapshot / "checkpoint.pt").resolve()


def _saved_adapter(tmp_path, **lora):
    """A peft adapter directory trained elsewhere on the same LM (as Guanaco-7B's on LLaMA-7B): random B."""
    donor, _ = tiny_flamingo(seed=3)
    add_lora(donor, donor.config.lora.model_copy(update=lora))
    with torch.no_grad():
        for name, param in donor.named_parameters():
            if ".lora_B." in name:
                param.normal_()
    donor.lang_encoder.save_pretrained(tmp_path / "adapter")
    return donor, tmp_path / "adapter"


def test_the_start_adapter_is_attached_frozen_with_its_weights(tmp_path):
    donor, adapter = _saved_adapter(tmp_path)
    model, _ = tiny_flamingo(seed=0)
    config = attach_start_adapter(model, str(adapter), model.config.lora)
    assert config.r == model.config.lora.r
    ours = {n: p for n, p in model.named_parameters() if ".lora_" in n}
    theirs = dict(donor.named_parameters())
    assert ours and all(torch.equal(p, theirs[n]) for n, p in ours.items())
    assert not any(p.requires_grad for p in ours.values())  # a stage's set_trainable("lora") unfreezes it


def test_a_start_adapter_of_other_settings_fails_naming_the_keys(tmp_path):
    _, adapter = _saved_adapter(tmp_path, r=8, target_modules=["q_proj", "v_proj"])
    model, _ = tiny_flamingo(seed=0)
    with pytest.raises(ValueError, match=r"model.lora.r is 4 but the adapter's is 8; model.lora.target_modules"):
        attach_start_adapter(model, str(adapter), model.config.lora)
