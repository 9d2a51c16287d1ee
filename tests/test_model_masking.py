"""Media-location masking: gates at 0 leave the LM exact; a token sees only the latest preceding image."""

import pytest
import torch
from model_fixtures import TINY_LLAMA, random_images, tiny_flamingo
from model_fixtures import one_torch_thread  # noqa: F401  (autouse: one torch thread per test)
from transformers import LlamaConfig, LlamaForCausalLM

from pfutils.model.flamingo import position_ids_from_mask
from pfutils.model.trainable import set_trainable

PROMPTS = ["w1 w2 <image> w3 w4 w5 <image> w6 w7 w8", "w9 <image> w10 w11 w12 w13 w14 w15 w16 w17"]


def encode(tokenizer, prompts=PROMPTS):
    return tokenizer(prompts, padding=True, padding_side="left", return_tensors="pt")


def logits(model, batch, images, image_mask=None):
    with torch.no_grad():
        return model(batch["input_ids"], batch["attention_mask"], images, image_mask).logits


def test_closed_gates_give_the_bare_lm_logits_exactly():
    model, tokenizer = tiny_flamingo(open_gates=False)
    bare = LlamaForCausalLM(LlamaConfig(**TINY_LLAMA)).eval()
    bare.load_state_dict(model.base_lm.state_dict())
    batch = encode(tokenizer)
    with torch.no_grad():
        expected = bare(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            position_ids=position_ids_from_mask(batch["attention_mask"]),
        ).logits
    assert torch.equal(logits(model, batch, random_images(2, 2)), expected)


def test_text_before_the_first_image_is_unaffected_by_any_image():
    model, tokenizer = tiny_flamingo()
    batch = encode(tokenizer, ["w1 w2 w3 w4 <image> w5 w6 <image> w7"])
    first_image = batch["input_ids"][0].tolist().index(model.media_token_id)
    before = logits(model, batch, random_images(1, 2, seed=1))
    after = logits(model, batch, random_images(1, 2, seed=2))
    assert torch.equal(before[:, :first_image], after[:, :first_image])
    assert not torch.allclose(before[:, first_image:], after[:, first_image:])


def test_a_token_does_not_see_the_next_image():
    model, tokenizer = tiny_flamingo()
    batch = encode(tokenizer, ["w1 <image> w2 w3 w4 <image> w5 w6"])
    second_image = [i for i, t in enumerate(batch["input_ids"][0].tolist()) if t == model.media_token_id][1]
    images = random_images(1, 2, seed=1)
    changed = images.clone()
    changed[:, 1] = random_images(1, 1, seed=5)[:, 0]
    before, after = logits(model, batch, images), logits(model, batch, changed)
    assert torch.equal(before[:, :second_image], after[:, :second_image])
    assert not torch.allclose(before[:, second_image:], after[:, second_image:])


def cross_attention_output(model, batch, images, only_attend_immediate_media=True):
    """Hidden states right after the first gated cross-attention block (its decoder layer's input)."""
    first = int(min(model.gated_cross_attn_layers.keys(), key=int))
    recorded = []
    hook = model.base_lm.get_decoder().layers[first].register_forward_pre_hook(
        lambda module, args: recorded.append(args[0].clone())
    )
    try:
        logits(model, batch, images)
    finally:
        hook.remove()
    return recorded[0]


@pytest.mark.parametrize("immediate", [True, False])
def test_tokens_after_image_two_read_only_image_two(immediate):
    """Through self-attention image 1 still reaches later logits; the cross-attention itself must not read it."""
    model, tokenizer = tiny_flamingo(only_attend_immediate_media=immediate)
    batch = encode(tokenizer, ["w1 <image> w2 w3 <image> w4 w5 w6"])
    second_image = [i for i, t in enumerate(batch["input_ids"][0].tolist()) if t == model.media_token_id][1]
    images = random_images(1, 2, seed=1)
    changed = images.clone()
    changed[:, 0] = random_images(1, 1, seed=7)[:, 0]
    before = cross_attention_output(model, batch, images)
    after = cross_attention_output(model, batch, changed)
    assert not torch.allclose(before[:, :second_image], after[:, :second_image])
    if immediate:
        assert torch.equal(before[:, second_image:], after[:, second_image:])
    else:
        assert not torch.allclose(before[:, second_image:], after[:, second_image:])


def test_padded_image_slots_are_never_read():
    model, tokenizer = tiny_flamingo()
    images = random_images(2, 3)
    image_mask = torch.tensor([[True, True, False], [True, False, False]])
    batch = encode(tokenizer, [PROMPTS[0], "w9 <image> w10 w11 w12 w13 w14 w15 w16 w17"])
    changed = images.clone()
    changed[0, 2] = 100.0
    changed[1, 1:] = -100.0
    assert torch.equal(logits(model, batch, images, image_mask), logits(model, batch, changed, image_mask))


def test_left_padded_batch_gives_each_sample_its_own_logits():
    model, tokenizer = tiny_flamingo()
    prompts = ["w1 w2 <image> w3 w4 w5 <image> w6 w7 w8", "<image> w9 w10", "w11 w12 w13"]
    images = random_images(3, 2)
    image_mask = torch.tensor([[True, True], [True, False], [False, False]])
    batched = logits(model, encode(tokenizer, prompts), images, image_mask)
    for row, prompt in enumerate(prompts):
        alone = logits(model, encode(tokenizer, [prompt]), images[row : row + 1], image_mask[row : row + 1])
        length = alone.shape[1]
        torch.testing.assert_close(batched[row, -length:], alone[0], atol=1e-5, rtol=1e-5)


def test_more_image_tokens_than_images_fails_naming_the_sample():
    model, tokenizer = tiny_flamingo()
    batch = encode(tokenizer)
    with pytest.raises(ValueError, match=r"sample 0 has 2 <image> tokens but only 1 image\(s\)"):
        logits(model, batch, random_images(2, 2), torch.tensor([[True, False], [True, True]]))
    with pytest.raises(ValueError, match="first slots"):
        logits(model, batch, random_images(2, 2), torch.tensor([[False, True], [True, True]]))


def test_loss_is_the_shifted_cross_entropy_and_reaches_perceiver_and_xattn():
    model, tokenizer = tiny_flamingo()
    set_trainable(model, "flamingo_pretrain")
    batch = encode(tokenizer)
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    output = model(batch["input_ids"], batch["attention_mask"], random_images(2, 2), labels=labels)
    expected = torch.nn.functional.cross_entropy(
        output.logits[:, :-1].reshape(-1, output.logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100
    )
    torch.testing.assert_close(output.loss, expected)
    output.loss.backward()
    assert model.perceiver.latents.grad.abs().sum() > 0
    assert all(block.attn_gate.grad.abs().sum() > 0 for block in model.gated_cross_attn_layers.values())


def test_activation_checkpointing_gives_the_same_gradients():
    def perceiver_gradient(checkpointing: bool):
        model, tokenizer = tiny_flamingo()
        set_trainable(model, "flamingo_pretrain")
        model.train()
        if checkpointing:
            model.base_lm.activation_checkpointing_enable()
        batch = encode(tokenizer)
        output = model(batch["input_ids"], batch["attention_mask"], random_images(2, 2), labels=batch["input_ids"])
        output.loss.backward()
        return model.perceiver.latents.grad

    torch.testing.assert_close(perceiver_gradient(True), perceiver_gradient(False))


@pytest.mark.parametrize("masking, expected", [
    ("latest_preceding", [0, 1, 1, 1, 2, 2]),
    # OpenFlamingo v1, attend_previous=False: an <image> reads its own image, text the next one, none after the last
    ("next_image", [1, 1, 2, 2, 2, 0]),
])
def test_which_image_each_token_reads(masking, expected):
    from pfutils.model.media import image_numbers
    ids = torch.tensor([[5, 9, 5, 5, 9, 5]])
    assert image_numbers(ids, 9, masking).tolist() == [expected]


def test_tokens_generated_under_next_image_masking_read_no_image():
    from pfutils.model.media import generated_tokens_mask, media_attention_mask
    ids = torch.tensor([[5, 9, 5, 9, 5], [9, 5, 5, 5, 5]])
    prompt = media_attention_mask(ids, 9, "next_image", torch.tensor([2, 1]), 2, only_attend_immediate_media=True)
    assert prompt[:, -1].sum() == 0 and not generated_tokens_mask(prompt, "next_image").any()
    latest = media_attention_mask(ids, 9, "latest_preceding", torch.tensor([2, 1]), 2, True)
    assert torch.equal(generated_tokens_mask(latest, "latest_preceding")[:, 0], latest[:, -1])
