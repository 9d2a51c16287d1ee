"""Stage 06: each model's recipe, hyper-parameters and trainable parameters."""
from pathlib import Path

import pytest

from model_fixtures import one_torch_thread, tiny_flamingo  # noqa: F401
from pfutils.model.lora import add_lora
from pfutils.model.trainable import trainable_parameter_names
from pfutils.params import load_params
from pfutils.tuning.recipes import RECIPES, models_to_train, train_config


PARAMS = load_params(Path(__file__).resolve().parents[1] / "params.yaml")


@pytest.fixture(scope="module")
def tuning():
    return PARAMS.tuning


def test_the_u_shaped_schedule(tuning):
    s1, s2, s3 = (train_config(tuning, RECIPES[n])[0] for n in ("stage1", "stage2", "stage3"))
    assert (s1.trainable, s2.trainable, s3.trainable) == ("lora", "perceiver_xattn", "lora")
    assert s3.lr == pytest.approx(s1.lr / 10), "stage 3 repeats stage 1 at a tenth of the learning rate"
    assert s2.context_length < s1.context_length, "stage 2 uses the shorter context"
    assert (RECIPES["stage2"].start, RECIPES["stage3"].start, RECIPES["stage3"].data) == ("stage1", "stage2", "stage1")


def test_every_start_is_trained_before_it_is_used(tuning):
    order = models_to_train(tuning.model_copy(update={"comparisons": tuple(n for n in RECIPES if n.startswith(
        ("raw", "polite", "no_", "unfreeze", "more", "low")))}))
    for i, name in enumerate(order):
        assert RECIPES[name].start == "base" or RECIPES[name].start in order[:i]


def test_ablations_change_one_thing(tuning):
    stage2 = train_config(tuning, RECIPES["stage2"])[0]
    assert train_config(tuning, RECIPES["more_epochs"])[0].epochs == 2 * stage2.epochs
    assert train_config(tuning, RECIPES["unfreeze_vit"])[0].trainable == "perceiver_xattn+vit"
    assert train_config(tuning, RECIPES["unfreeze_lora"])[0].trainable == "perceiver_xattn+lora"
    assert RECIPES["raw_annotation"].data == "raw_annotation" and RECIPES["no_stage1"].start == "base"


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_each_model_trains_exactly_its_set(tuning, name):
    model, _ = tiny_flamingo()
    add_lora(model, PARAMS.model.lora)
    names = trainable_parameter_names(model, train_config(tuning, RECIPES[name])[0].trainable)
    parts = {n.split(".")[0] if ".lora_" not in n else "lora" for n in names}
    expected = {"lora": {"lora"}, "perceiver_xattn": {"perceiver", "gated_cross_attn_layers"},
                "perceiver_xattn+vit": {"perceiver", "gated_cross_attn_layers", "vision_encoder"},
                "perceiver_xattn+lora": {"perceiver", "gated_cross_attn_layers", "lora"}}
    assert parts == expected[train_config(tuning, RECIPES[name])[0].trainable]
    assert not any(".ff." in n or n.endswith("ff_gate") for n in names), "the XATTN FFN stays frozen"


def test_a_stage_that_trains_no_lora_runs_with_the_adapter_folded_in_and_gets_it_back():
    import torch

    from pfutils.tuning.run import frozen_lora_folded

    model, tok = tiny_flamingo()
    add_lora(model, PARAMS.model.lora)
    model.eval()  # no adapter dropout: folded and apart must compute the same function
    with torch.no_grad():  # a trained adapter: B != 0
        for n, p in model.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.5)
    ids = torch.tensor([tok("a b c d e").input_ids])
    before = model(input_ids=ids).logits
    weights = {n: p.detach().clone() for n, p in model.named_parameters()}
    with frozen_lora_folded(model, "perceiver_xattn"):
        assert all(layer.merged for layer in model.modules() if hasattr(layer, "merged"))
        assert torch.allclose(model(input_ids=ids).logits, before, atol=1e-4)
    assert not any(layer.merged for layer in model.modules() if hasattr(layer, "merged"))
    assert all(torch.allclose(p, weights[n], atol=1e-6) for n, p in model.named_parameters())
    with frozen_lora_folded(model, "perceiver_xattn+lora"):  # a stage that trains the adapter keeps it apart
        assert not any(layer.merged for layer in model.modules() if hasattr(layer, "merged"))


def test_the_low_resolution_ablation_builds_the_tower_at_the_smaller_input():
    """Figure 9's "224 Resolution": the stage-1 model's tower is resized (not its images shrunk), and its config
    records the size, so the saved ablation is reloaded at it (tests/test_model_resolution.py)."""
    from pfutils.tuning.run import low_resolution

    assert RECIPES["low_resolution"].low_resolution and PARAMS.tuning.low_resolution_px == 40
    model, _ = tiny_flamingo()  # 32 px, 8 px patches
    low_resolution(model, 16)
    assert model.image_size == (16, 16) and model.config.vision.image_size == 16
    assert model.vision_encoder.grid_size == (2, 2)
    with pytest.raises(ValueError, match="tuning.low_resolution_px: image_size 12 is not a multiple"):
        low_resolution(model, 12)
