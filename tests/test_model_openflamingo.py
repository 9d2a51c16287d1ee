"""OpenFlamingo-v1-format state dicts map onto the model: every key consumed, every value where it belongs."""

import pytest
import torch
from model_fixtures import tiny_flamingo
from model_fixtures import one_torch_thread  # noqa: F401  (autouse: one torch thread per test)

from pfutils.model.openflamingo import load_openflamingo_checkpoint, load_openflamingo_state_dict


def openflamingo_v1_state_dict(source):
    """`source`'s weights under OpenFlamingo v1's names: FlamingoLayer-wrapped decoder layers, each XATTN block
    under two names, the full CLIP (text tower included), an old-transformers rotary buffer."""
    state = {}
    for name, tensor in source.state_dict().items():
        tensor = tensor.clone()
        if name.startswith("gated_cross_attn_layers."):
            index, rest = name.removeprefix("gated_cross_attn_layers.").split(".", 1)
            state[f"lang_encoder.gated_cross_attn_layers.{index}.{rest}"] = tensor
            state[f"lang_encoder.model.layers.{index}.gated_cross_attn_layer.{rest}"] = tensor.clone()
        elif name.startswith("lang_encoder.model.layers."):
            index, rest = name.removeprefix("lang_encoder.model.layers.").split(".", 1)
            state[f"lang_encoder.model.layers.{index}.decoder_layer.{rest}"] = tensor
        elif name.startswith("vision_encoder."):
            state["vision_encoder.visual." + name.removeprefix("vision_encoder.")] = tensor
        else:
            state[name] = tensor
    state["vision_encoder.token_embedding.weight"] = torch.zeros(64, 32)
    state["lang_encoder.model.layers.0.decoder_layer.self_attn.rotary_emb.inv_freq"] = torch.ones(4)
    return state


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
