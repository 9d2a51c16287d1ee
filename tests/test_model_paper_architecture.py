"""The paper profile's architecture (ViT-L-14-336 + LLaMA-7B, XATTN every 4 layers, 64 latents, perceiver depth 6),
scaled down in widths, depths and image size but not in structure, builds and runs without downloads."""

import open_clip
import pytest
import torch
from model_fixtures import TINY_LLAMA, tiny_tokenizer
from model_fixtures import one_torch_thread  # noqa: F401  (autouse: one torch thread per test)
from PIL import Image

from pfutils.model.build import build_flamingo
from pfutils.model.config import FlamingoConfig
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


def test_trainable_sets_on_the_7b_shapes_are_table_4s(root, capsys):
    """The paper's model at full size on the meta device (shapes, no weights): `lora+input_embeddings` is Table 4's
    0.29B of the LoRA stages (LoRA r=64 on the 7 projections of 32 layers, and LLaMA's 32003 x 4096 input
    embeddings), `perceiver_xattn` its 0.1B of stage 2; the paper profile selects them."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from pfutils.model.lora import add_lora
    from pfutils.model.trainable import trainable_parameter_names
    from pfutils.params import validate
    from pfutils.profiles import profile_params

    paper = validate(profile_params("paper", root / "params.yaml", root / "profiles"), "paper")
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, **{f"w{i}": i for i in range(3, 32000)}}  # LLaMA's 32000 ids
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", bos_token="<s>", eos_token="</s>")
    llama_7b = dict(vocab_size=32003, hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                    num_attention_heads=32, num_key_value_heads=32, max_position_embeddings=2048)  # OF-9B's 32003 rows
    config = FlamingoConfig.model_validate({**paper.model.model_dump(), "lm": {"llama_config": llama_7b},
                                            "vision": {"open_clip_cfg": open_clip.get_model_config("ViT-L-14-336")}})
    with torch.device("meta"):
        model, _ = build_flamingo(config, tokenizer, device="meta", dtype=torch.bfloat16)
        add_lora(model, paper.model.lora)
    sizes = dict((name, p.numel()) for name, p in model.named_parameters())
    counts = {s: sum(sizes[n] for n in trainable_parameter_names(model, s)) / 1e9
              for s in ("lora", "input_embeddings", "lora+input_embeddings", "perceiver_xattn")}
    with capsys.disabled():
        print("\ntrainable parameters on the 7B shapes (billions):", {s: round(c, 3) for s, c in counts.items()})
    assert counts["lora+input_embeddings"] == pytest.approx(0.29, rel=0.05)
    assert round(counts["perceiver_xattn"], 1) == 0.1, "0.105B: Table 4 gives one digit"
    trainable = {"rewriter": paper.rewriter.train.trainable, "stage1": paper.tuning.stage1.train.trainable,
                 "stage2": paper.tuning.stage2.train.trainable, "stage3": paper.tuning.stage3.train.trainable}
    assert trainable == {"rewriter": "lora+input_embeddings", "stage1": "lora+input_embeddings",
                         "stage2": "perceiver_xattn", "stage3": "lora+input_embeddings"}
