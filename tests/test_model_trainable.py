"""Each named trainable set hands the optimizer exactly its parameters."""

import pytest
import torch
from model_fixtures import tiny_flamingo
from model_fixtures import one_torch_thread  # noqa: F401  (autouse: one torch thread per test)

from pfutils.model.lora import add_lora
from pfutils.model.trainable import set_trainable


@pytest.fixture(scope="module")
def model():
    model, _ = tiny_flamingo()
    add_lora(model, model.config.lora)
    return model


def optimizer_names(model, optimizer):
    names = {id(param): name for name, param in model.named_parameters()}
    return sorted(names[id(param)] for group in optimizer.param_groups for param in group["params"])


def expected_names(model, keep):
    return sorted(name for name, _ in model.named_parameters() if keep(name))


def is_lora(name):
    return ".lora_A." in name or ".lora_B." in name


def is_xattn(name):
    return name.startswith("gated_cross_attn_layers.") and (".attn." in name or name.endswith(".attn_gate"))


def is_xattn_block(name):
    return name.startswith("gated_cross_attn_layers.")


@pytest.mark.parametrize(
    ("trainable", "keep"),
    [
        ("lora", is_lora),
        ("perceiver_xattn", lambda n: n.startswith("perceiver.") or is_xattn(n)),
        ("flamingo_pretrain", lambda n: n.startswith("perceiver.") or is_xattn_block(n)),
        ("perceiver_xattn+vit", lambda n: n.startswith(("perceiver.", "vision_encoder.")) or is_xattn(n)),
        ("perceiver_xattn+lora", lambda n: n.startswith("perceiver.") or is_xattn(n) or is_lora(n)),
    ],
)
def test_trainable_set_reaches_the_optimizer_exactly(model, trainable, keep):
    names = set_trainable(model, trainable)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    assert names == expected_names(model, keep) == optimizer_names(model, optimizer)


def test_perceiver_xattn_leaves_the_xattn_ffn_and_its_gate_frozen(model):
    names = set(set_trainable(model, "perceiver_xattn"))
    for key in model.gated_cross_attn_layers:
        assert f"gated_cross_attn_layers.{key}.attn_gate" in names
        assert f"gated_cross_attn_layers.{key}.attn.to_kv.weight" in names
        assert f"gated_cross_attn_layers.{key}.ff_gate" not in names
        assert f"gated_cross_attn_layers.{key}.ff.1.weight" not in names


def test_embeddings_set_is_the_lm_token_embeddings(model):
    names = set_trainable(model, "embeddings")
    prefix = "lang_encoder.base_model.model."
    assert names == [prefix + "lm_head.weight", prefix + "model.embed_tokens.weight"]


def test_input_embeddings_set_leaves_the_output_embeddings_frozen(model):
    """OpenFlamingo v1 trains the input embeddings only (Table 4's LoRA stages: `lora+input_embeddings`)."""
    prefix = "lang_encoder.base_model.model."
    assert set_trainable(model, "input_embeddings") == [prefix + "model.embed_tokens.weight"]
    names = set_trainable(model, "lora+input_embeddings")
    assert prefix + "model.embed_tokens.weight" in names and prefix + "lm_head.weight" not in names
    assert all(".lora_" in n for n in names if n != prefix + "model.embed_tokens.weight")


def test_unknown_set_and_missing_lora_fail_with_the_allowed_names():
    model, _ = tiny_flamingo()
    with pytest.raises(ValueError, match="unknown trainable set 'xattn'.*allowed"):
        set_trainable(model, "perceiver_xattn+xattn")
    with pytest.raises(ValueError, match="needs a LoRA adapter"):
        set_trainable(model, "lora")
