"""Saving and loading: identical logits after a round trip, a standard peft adapter, strict key checks."""

import json

import pytest
import torch
from model_fixtures import random_images, save_llama_dir, save_open_clip_dir, tiny_config, tiny_flamingo, tiny_tokenizer
from model_fixtures import one_torch_thread  # noqa: F401  (autouse: one torch thread per test)
from peft import PeftModel
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM

from pfutils.model.build import build_flamingo, language_model
from pfutils.model.checkpoint import WEIGHTS_FILE, load_flamingo, save_flamingo
from pfutils.model.config import FlamingoConfig, LanguageModelConfig
from pfutils.model.flamingo import position_ids_from_mask
from pfutils.model.lora import add_lora
from pfutils.model.trainable import set_trainable

PROMPTS = ["w1 <image> w2 w3 <image> w4", "<image> w5 w6 w7"]
CARD = dict(title="Tiny Flamingo", description="A test model.", data="toyworld captions", params={"lr": 1e-4})


def logits(model, tokenizer, images):
    batch = tokenizer(PROMPTS, padding=True, padding_side="left", return_tensors="pt")
    with torch.no_grad():
        return model(batch["input_ids"], batch["attention_mask"], images).logits


def with_trained_lora(model):
    add_lora(model, model.config.lora)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if ".lora_B." in name:
                param.normal_()
    return model


def test_round_trip_with_lora_gives_identical_logits(tmp_path):
    model, tokenizer = tiny_flamingo()
    with_trained_lora(model)
    images = random_images(2, 2)
    save_flamingo(model, tmp_path / "model", tokenizer, save_lm=True, save_vision=True, **CARD)
    loaded, loaded_tokenizer = load_flamingo(tmp_path / "model", device="cpu")
    assert isinstance(loaded.lang_encoder, PeftModel)
    assert torch.equal(logits(model, tokenizer, images), logits(loaded, loaded_tokenizer, images))


def test_an_adapter_merged_for_inference_computes_the_same_logits(tmp_path):
    """`merge_lora` folds the adapter into the LM's weights: a plain LM (no adapter tensors left) that computes what
    the adapter did, up to float rounding."""
    model, tokenizer = tiny_flamingo()
    with_trained_lora(model)
    images = random_images(2, 2)
    save_flamingo(model, tmp_path / "model", tokenizer, save_lm=True, save_vision=True, **CARD)
    merged, merged_tokenizer = load_flamingo(tmp_path / "model", device="cpu", merge_lora=True)
    assert not isinstance(merged.lang_encoder, PeftModel)
    assert not any("lora_" in name for name, _ in merged.named_parameters())
    torch.testing.assert_close(logits(merged, merged_tokenizer, images), logits(model.eval(), tokenizer, images),
                               rtol=1e-4, atol=1e-4)


def test_adapter_and_lm_directories_are_standard_and_reproduce_the_language_model(tmp_path):
    """With closed gates the Flamingo is its LM; a plain LM + plain peft adapter from the saved files equals it."""
    model, tokenizer = tiny_flamingo(open_gates=False)
    with_trained_lora(model)
    save_flamingo(model, tmp_path / "model", tokenizer, save_lm=True, save_vision=True, **CARD)
    adapter = tmp_path / "model" / "lora"
    assert {"adapter_config.json", "adapter_model.safetensors"} <= {p.name for p in adapter.iterdir()}
    plain = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tmp_path / "model" / "lm"), str(adapter))
    batch = tokenizer(PROMPTS, padding=True, padding_side="left", return_tensors="pt")
    with torch.no_grad():
        expected = plain(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            position_ids=position_ids_from_mask(batch["attention_mask"]),
        ).logits
    assert torch.equal(logits(model, tokenizer, random_images(2, 2)), expected)


def test_build_from_local_directories_and_round_trip_without_copying_the_towers(tmp_path):
    clip = save_open_clip_dir(tmp_path / "clip")
    lm = save_llama_dir(tmp_path / "lm")
    config = FlamingoConfig(
        vision={"local_dir": str(tmp_path / "clip")},
        lm={"name_or_path": str(tmp_path / "lm")},
        cross_attn_every_n_layers=2,
        perceiver={"depth": 1, "num_latents": 4, "heads": 2, "dim_head": 8, "ff_mult": 2},
        xattn={"heads": 2, "dim_head": 8, "ff_mult": 2},
    )
    torch.manual_seed(0)
    model, tokenizer = build_flamingo(config, device="cpu")
    assert all(torch.equal(p, clip.visual.state_dict()[n]) for n, p in model.vision_encoder.state_dict().items())
    assert all(torch.equal(p, lm.state_dict()[n]) for n, p in model.base_lm.state_dict().items())
    assert list(model.vision_encoder.preprocess_cfg["mean"]) == [0.5, 0.5, 0.5]
    with torch.no_grad():
        for block in model.gated_cross_attn_layers.values():
            block.attn_gate.fill_(1.0)
    images = random_images(2, 2)
    save_flamingo(model, tmp_path / "model", tokenizer, **CARD)
    saved = json.loads((tmp_path / "model" / "flamingo_config.json").read_text())["saved"]
    assert saved == {"lora": False, "lm": False, "vision_encoder": False}
    loaded, loaded_tokenizer = load_flamingo(tmp_path / "model", device="cpu")
    assert torch.equal(logits(model, tokenizer, images), logits(loaded, loaded_tokenizer, images))


def test_saved_lm_and_tower_need_no_source_and_the_card_says_what_it_is(tmp_path):
    model, tokenizer = tiny_flamingo()
    images = random_images(2, 2)
    save_flamingo(model, tmp_path / "model", tokenizer, save_lm=True, save_vision=True, **CARD)
    save_flamingo(model, tmp_path / "model", tokenizer, save_lm=True, save_vision=True, **CARD)  # replaces it
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    loaded, loaded_tokenizer = load_flamingo(tmp_path / "model", device="cpu")
    assert torch.equal(logits(model, tokenizer, images), logits(loaded, loaded_tokenizer, images))
    card = (tmp_path / "model" / "README.md").read_text()
    assert "# Tiny Flamingo" in card and "toyworld captions" in card and '"lr": 0.0001' in card


def test_added_special_tokens_keep_their_embeddings_across_a_round_trip(tmp_path):
    """A tokenizer without <image>/<|endofchunk|> (the paper's LLaMA) gets them; the LM's new rows are saved."""
    plain = tiny_tokenizer(flamingo_tokens=False)
    save_llama_dir(tmp_path / "lm", plain)
    config = tiny_config(lm={"name_or_path": str(tmp_path / "lm")})
    torch.manual_seed(0)
    model, tokenizer = build_flamingo(config, device="cpu")
    assert (model.media_token_id, model.eoc_token_id) == (61, 62) and tokenizer.pad_token == "<unk>"
    assert model.base_lm.get_input_embeddings().num_embeddings == len(tokenizer) == 63
    images = random_images(2, 2)
    save_flamingo(model, tmp_path / "model", tokenizer, save_vision=True, **CARD)
    loaded, loaded_tokenizer = load_flamingo(tmp_path / "model", device="cpu")
    assert torch.equal(logits(model, tokenizer, images), logits(loaded, loaded_tokenizer, images))


def test_saving_a_random_tower_without_its_weights_fails(tmp_path):
    model, tokenizer = tiny_flamingo()
    with pytest.raises(ValueError, match="save_lm=True"):
        save_flamingo(model, tmp_path / "model", tokenizer, save_vision=True, **CARD)
    with pytest.raises(ValueError, match="save_vision=True"):
        save_flamingo(model, tmp_path / "model", tokenizer, save_lm=True, **CARD)
    assert list(tmp_path.iterdir()) == []


def test_loading_names_missing_and_unexpected_tensors(tmp_path):
    model, tokenizer = tiny_flamingo()
    save_flamingo(model, tmp_path / "model", tokenizer, save_lm=True, save_vision=True, **CARD)
    weights = load_file(tmp_path / "model" / WEIGHTS_FILE)
    weights.pop("perceiver.norm.weight")
    weights["perceiver.extra"] = torch.zeros(1)
    save_file(weights, tmp_path / "model" / WEIGHTS_FILE)
    with pytest.raises(ValueError, match=r"missing \['perceiver.norm.weight'\], unexpected \['perceiver.extra'\]"):
        load_flamingo(tmp_path / "model", device="cpu")


def test_a_trained_tower_must_be_saved_and_a_reloaded_one_keeps_pointing_at_it(tmp_path):
    save_open_clip_dir(tmp_path / "clip")
    save_llama_dir(tmp_path / "lm")
    config = tiny_config(vision={"local_dir": str(tmp_path / "clip")}, lm={"name_or_path": str(tmp_path / "lm")})
    torch.manual_seed(0)
    model, tokenizer = build_flamingo(config, device="cpu")
    set_trainable(model, "perceiver_xattn+vit")
    with torch.no_grad():
        model.vision_encoder.conv1.weight.mul_(2.0)
        for block in model.gated_cross_attn_layers.values():
            block.attn_gate.fill_(1.0)
    with pytest.raises(ValueError, match="vision_encoder: its parameters are being trained: save_vision=True"):
        save_flamingo(model, tmp_path / "stage2", tokenizer, **CARD)
    save_flamingo(model, tmp_path / "stage2", tokenizer, save_vision=True, **CARD)
    reloaded, _ = load_flamingo(tmp_path / "stage2", device="cpu")
    save_flamingo(reloaded, tmp_path / "stage3", tokenizer, **CARD)
    with pytest.raises(ValueError, match="which this save replaces"):
        save_flamingo(reloaded, tmp_path / "stage2", tokenizer, **CARD)
    again, again_tokenizer = load_flamingo(tmp_path / "stage3", device="cpu")
    images = random_images(2, 2)
    assert torch.equal(logits(model.eval(), tokenizer, images), logits(again, again_tokenizer, images))


def test_an_lm_directory_with_wrong_weights_fails_naming_them(tmp_path):
    save_llama_dir(tmp_path / "lm")
    weights = load_file(tmp_path / "lm" / "model.safetensors")
    weights.pop("model.norm.weight")
    save_file(weights, tmp_path / "lm" / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(ValueError, match=r"'missing_keys': \['model.norm.weight'\]"):
        language_model(LanguageModelConfig(name_or_path=str(tmp_path / "lm")))
