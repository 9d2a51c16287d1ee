"""Stage 06: each model's recipe, hyper-parameters and trainable parameters."""
from pathlib import Path

import pytest

from model_fixtures import one_torch_thread, tiny_flamingo  # noqa: F401
from pfutils.model.lora import add_lora
from pfutils.model.trainable import trainable_parameter_names
from pfutils.params import load_params
from pfutils.params import ParamsError, validate
from pfutils.tuning.recipes import start_dir, train_config, tuned_dir


PARAMS = load_params(Path(__file__).resolve().parents[1] / "params.yaml")


RECIPES = PARAMS.tuning.recipes


@pytest.fixture(scope="module")
def tuning():
    return PARAMS.tuning


def test_the_u_shaped_schedule(tuning):
    s1, s2, s3 = (train_config(tuning, RECIPES[n])[0] for n in ("stage1", "stage2", "stage3"))
    assert (s1.trainable, s2.trainable, s3.trainable) == ("lora", "perceiver_xattn", "lora")
    assert s3.lr == pytest.approx(s1.lr / 10), "stage 3 repeats stage 1 at a tenth of the learning rate"
    assert s2.context_length < s1.context_length, "stage 2 uses the shorter context"
    assert (RECIPES["stage2"].start, RECIPES["stage3"].start, RECIPES["stage3"].data) == ("stage1", "stage2", "stage1")


def test_a_run_starts_from_its_start_recipe_of_the_same_seed():
    assert start_dir("models", RECIPES["stage2"], 1) == tuned_dir("models", "stage1", 1) == Path("models/stage1/seed1")
    assert start_dir("models", RECIPES["no_stage1"], 1) == Path("models/base/flamingo")


@pytest.mark.parametrize("change, message", [
    ({"stage3": None}, "Clever Flamingo's ['stage3'] missing"),
    ({"more_epochs": {"start": "stage4", "data": "stage2", "stage": "stage2"}}, "recipes.more_epochs.start: 'stage4'"),
    ({"stage1": {"start": "stage3", "data": "stage1", "stage": "stage1"}}, "recipes.stage1.start: the starts loop"),
    ({"reward": {"start": "stage1", "data": "stage2", "stage": "stage2"}}, "recipes.reward: a recipe is named"),
    ({"no_stage1": {"start": "base", "data": "stage9", "stage": "stage2"}}, "tuning.recipes.no_stage1.data"),
])
def test_a_bad_recipe_fails_at_start_naming_it(root, change, message):
    import copy

    import yaml

    raw = yaml.safe_load((root / "params.yaml").read_text())
    bad = copy.deepcopy(raw)
    for name, recipe in change.items():
        if recipe is None:
            del bad["tuning"]["recipes"][name]
        else:
            bad["tuning"]["recipes"][name] = recipe
    with pytest.raises(ParamsError, match=None) as error:
        validate(bad, "params.yaml")
    assert message in str(error.value), str(error.value)


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
    from pfutils.tuning.run import resize_vision

    assert RECIPES["low_resolution"].image_px == 40 and RECIPES["stage2"].image_px is None
    model, _ = tiny_flamingo()  # 32 px, 8 px patches
    resize_vision(model, 16, "tuning.recipes.low_resolution.image_px")
    assert model.image_size == (16, 16) and model.config.vision.image_size == 16
    assert model.vision_encoder.grid_size == (2, 2)
    with pytest.raises(ValueError, match="tuning.recipes.low_resolution.image_px: image_size 12 is not a multiple"):
        resize_vision(model, 12, "tuning.recipes.low_resolution.image_px")
