"""The paper profile's architecture (ViT-L-14-336 + LLaMA-7B, XATTN every 4 layers, 64 latents, perceiver depth 6),
scaled down in widths, depths and image size but not in structure, builds and runs without downloads."""

import open_clip
import torch
from model_fixtures import TINY_LLAMA, tiny_tokenizer
from model_fixtures import one_torch_thread  # noqa: F401  (autouse: one torch thread per test)
from PIL import Image

from pfutils.model import FlamingoConfig, build_flamingo
from pfutils.model.images import image_transform, images_tensor


def scaled_vit_l_14_336() -> dict:
    """open_clip's own ViT-L-14-336 config with the same keys and patch size, every size made small."""
    config = open_clip.get_model_config("ViT-L-14-336")
    assert config["vision_cfg"] == {"image_size": 336, "layers": 24, "width": 1024, "patch_size": 14}
    config["embed_dim"] = 32
    config["vision_cfg"].update(image_size=56, layers=2, width=128)
    config["text_cfg"].update(context_length=16, vocab_size=64, width=32, heads=2, layers=1)
    return config


def test_scaled_paper_profile_builds_and_runs_a_forward_and_generation():
    plain = tiny_tokenizer(flamingo_tokens=False)  # like LLaMA's: no <image>, <|endofchunk|>, pad
    llama = {**TINY_LLAMA, "num_hidden_layers": 8, "hidden_size": 64, "intermediate_size": 172}
    llama["vocab_size"] = len(plain)
    config = FlamingoConfig(vision={"open_clip_cfg": scaled_vit_l_14_336()}, lm={"llama_config": llama})
    assert (config.cross_attn_every_n_layers, config.perceiver.num_latents, config.perceiver.depth) == (4, 64, 6)
    torch.manual_seed(0)
    model, tokenizer = build_flamingo(config, plain, device="cpu")
    assert list(model.gated_cross_attn_layers) == ["3", "7"]
    assert model.image_size == (56, 56)
    transform = image_transform(model.vision_encoder)
    images, image_mask = images_tensor([[Image.new("RGB", (80, 60), "red")], []], transform)
    assert images.shape == (2, 1, 3, 56, 56) and image_mask.tolist() == [[True], [False]]
    latents = model.media_latents(images, image_mask)
    assert latents.shape == (2, 1, 64, 128) and latents[1].abs().sum() == 0
    batch = tokenizer(["<image> w1 w2 <|endofchunk|>", "w3"], padding=True, padding_side="left", return_tensors="pt")
    output = model(batch["input_ids"], batch["attention_mask"], images, image_mask, labels=batch["input_ids"])
    assert output.logits.shape == (2, 4, len(tokenizer)) and torch.isfinite(output.loss)
    generated = model.generate(batch["input_ids"], batch["attention_mask"], images, image_mask, max_new_tokens=3)
    assert generated.shape[0] == 2
