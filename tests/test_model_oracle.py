"""Our Flamingo under `behaviour: openflamingo_v1` computes what the released OpenFlamingo v1 code computes.

The oracle is `open-flamingo==0.0.2` itself (a test-only dependency): its Flamingo is built at tiny size around a
tiny LLaMA with a SentencePiece tokenizer, its checkpoint is saved the way its training script saves one
(`get_checkpoint` of the DDP-wrapped model: trained tensors only, `module.` prefix), and our loader reads that
file into our model. Then the logits of an interleaved batch (two images per sample, the authors' prompt layout)
and greedy generations must agree.

One dependency of the oracle has moved since 2023: open_clip 3.x applies `ln_post` to the patch tokens, where the
open_clip 2.x that OpenFlamingo v1 ran on returned them un-normed. The oracle's tower is switched back to the 2.x
behaviour (`final_ln_after_pool`), and `test_vision_tokens_are_open_clip_2s` checks that switch against the 2.x
forward pass written out.
"""

import open_clip
import pytest
import torch
from model_fixtures import one_torch_thread  # noqa: F401  (autouse: one torch thread per test)
from model_fixtures import sentencepiece_llama_tokenizer
from open_flamingo.src.flamingo import Flamingo as OracleFlamingo
from open_flamingo.src.flamingo_lm import FlamingoLMMixin
from open_flamingo.src.utils import extend_instance
from open_flamingo.train.train_utils import get_checkpoint
from safetensors.torch import save_file
from torch import nn
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM

from pfutils.model.config import FlamingoConfig
from pfutils.model.generation import generate_tokens
from pfutils.model.openflamingo import openflamingo_base
from pfutils.prompts import chat_prompt

CLIP_CFG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "patch_size": 8, "head_width": 16},
    "text_cfg": {"context_length": 16, "vocab_size": 64, "width": 32, "heads": 2, "layers": 1},
}
EVERY_N = 2
INSTRUCTIONS = ["Compare the two pictures. How many objects are there?", "What is in the image?"]
RESPONSES = ["The first picture shows three objects.", "There is a red cube to the left of a blue sphere."]


class DDPLike(nn.Module):
    """Names parameters as DistributedDataParallel does (`module.` prefix), for `get_checkpoint`."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module


def our_config(tmp_path, behaviour: str = "openflamingo_v1") -> FlamingoConfig:
    """OpenFlamingo v1's own sizes (its Flamingo hard-codes the perceiver's and XATTN's) around the tiny towers."""
    return FlamingoConfig.model_validate({
        "vision": {"open_clip_cfg": CLIP_CFG, "weights": str(tmp_path / "vision.safetensors")},
        "lm": {"name_or_path": str(tmp_path / "llama")},
        "cross_attn_every_n_layers": EVERY_N,
        "perceiver": {"depth": 6, "num_latents": 64, "heads": 8, "dim_head": 64, "ff_mult": 4},
        "xattn": {"heads": 8, "dim_head": 64, "ff_mult": 4},
        "only_attend_immediate_media": True,
        "behaviour": behaviour,
    })


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """(oracle Flamingo, its tokenizer, the directory holding the towers and the checkpoint file), built as
    OpenFlamingo v1's `create_model_and_transforms` builds it, with trained-looking random weights."""
    tmp_path = tmp_path_factory.mktemp("released")
    torch.manual_seed(0)
    torch.set_num_threads(1)
    base_tokenizer = sentencepiece_llama_tokenizer(tmp_path / "llama")
    llama = LlamaForCausalLM(LlamaConfig(
        vocab_size=len(base_tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=4,
        num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=256, bos_token_id=1, eos_token_id=2,
        initializer_range=0.2))
    llama.save_pretrained(tmp_path / "llama")
    clip = open_clip.CLIP(**CLIP_CFG)
    save_file({k: v.contiguous() for k, v in clip.visual.state_dict().items()}, tmp_path / "vision.safetensors")

    # OpenFlamingo v1's factory, step by step (its own function downloads its towers by name)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "llama")
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|endofchunk|>", "<image>"]})
    tokenizer.add_special_tokens({"pad_token": "<PAD>"})
    lang_encoder = AutoModelForCausalLM.from_pretrained(tmp_path / "llama")
    extend_instance(lang_encoder, FlamingoLMMixin)
    lang_encoder.set_decoder_layers_attr_name("model.layers")
    lang_encoder.resize_token_embeddings(len(tokenizer))
    clip.visual.output_tokens = True
    clip.visual.final_ln_after_pool = True  # open_clip 2.x: tokens before ln_post (module docstring)
    oracle = OracleFlamingo(clip, lang_encoder, tokenizer.encode("<|endofchunk|>")[-1],
                            tokenizer.encode("<image>")[-1], vis_dim=CLIP_CFG["vision_cfg"]["width"],
                            cross_attn_every_n_layers=EVERY_N)
    oracle.requires_grad_(False)
    oracle.perceiver.requires_grad_(True)
    oracle.lang_encoder.gated_cross_attn_layers.requires_grad_(True)
    oracle.lang_encoder.get_input_embeddings().requires_grad_(True)
    with torch.no_grad():  # "trained": open gates, and the new token embeddings moved off their init
        for block in oracle.lang_encoder.gated_cross_attn_layers:
            if block is not None:
                block.attn_gate.uniform_(0.5, 1.5)
                block.ff_gate.uniform_(0.5, 1.5)
        oracle.lang_encoder.get_input_embeddings().weight[-3:].normal_(0, 0.2)
    torch.save(get_checkpoint(DDPLike(oracle)), tmp_path / "final_weights.pt")
    return oracle.eval(), tokenizer, tmp_path


def our_model(released, behaviour: str = "openflamingo_v1"):
    """Our model from the released checkpoint file. The LM's output rows of the three tokens OpenFlamingo adds
    are in no v1 checkpoint (v1 trains the input embeddings only; they were whatever `resize_token_embeddings`
    drew): they are copied from the oracle, so that logits agree on the whole vocabulary."""
    oracle, _, directory = released
    torch.manual_seed(1)
    model, tokenizer, report = openflamingo_base(our_config(directory, behaviour), directory / "final_weights.pt",
                                                 device="cpu", dtype=torch.float32)
    assert any(name.startswith("perceiver.") for name in report["loaded"])
    with torch.no_grad():
        model.base_lm.get_output_embeddings().weight[-3:] = oracle.lang_encoder.get_output_embeddings().weight[-3:]
    return model.eval(), tokenizer


def interleaved_batch(tokenizer):
    """Two samples in the authors' layout (`{instruction}<image><|endofchunk|>` per image), BOS first, right-padded,
    two images each."""
    texts = [chat_prompt(i, r, n_images=2, layout="after_instruction") for i, r in zip(INSTRUCTIONS, RESPONSES)]
    rows = [[tokenizer.bos_token_id, *tokenizer(t, add_special_tokens=False)["input_ids"]] for t in texts]
    width = max(map(len, rows))
    input_ids = torch.full((len(rows), width), tokenizer.pad_token_id)
    attention_mask = torch.zeros(len(rows), width, dtype=torch.long)
    for i, row in enumerate(rows):
        input_ids[i, :len(row)] = torch.tensor(row)
        attention_mask[i, :len(row)] = 1
    images = torch.randn(len(rows), 2, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    return input_ids, attention_mask, images


def test_the_tokenizers_line_up(released):
    _, oracle_tokenizer, _ = released
    model, tokenizer = our_model(released)
    assert tokenizer.get_vocab() == oracle_tokenizer.get_vocab()
    assert (model.eoc_token_id, model.media_token_id) == (
        oracle_tokenizer.convert_tokens_to_ids("<|endofchunk|>"), oracle_tokenizer.convert_tokens_to_ids("<image>"))


@torch.no_grad()
def test_logits_match_the_released_code(released):
    oracle, oracle_tokenizer, _ = released
    model, _ = our_model(released)
    input_ids, attention_mask, images = interleaved_batch(oracle_tokenizer)
    theirs = oracle(images[:, :, None], input_ids, attention_mask=attention_mask).logits
    ours = model(input_ids, attention_mask, images=images).logits
    real = attention_mask.bool()
    torch.testing.assert_close(ours[real], theirs[real], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("behaviour", ["latest_preceding"])
@torch.no_grad()
def test_another_behaviour_computes_something_else(released, behaviour):
    """The comparison above can fail: the same weights under this repository's own masking and vision tokens
    give other logits."""
    oracle, oracle_tokenizer, _ = released
    model, _ = our_model(released, behaviour)
    input_ids, attention_mask, images = interleaved_batch(oracle_tokenizer)
    theirs = oracle(images[:, :, None], input_ids, attention_mask=attention_mask).logits
    ours = model(input_ids, attention_mask, images=images).logits
    real = attention_mask.bool()
    assert (ours[real] - theirs[real]).abs().max() > 1e-2


@torch.no_grad()
def test_greedy_generation_matches_the_released_code(released):
    """Our batched, left-padded generation (KV cache) against the oracle's `generate`, one prompt at a time as the
    authors' inference helper calls it, stopping at `<|endofchunk|>` as v1's `generate` does. Our model never
    generates `<image>` (no image exists for it); the oracle is told the same through its generation config."""
    oracle, oracle_tokenizer, _ = released
    model, tokenizer = our_model(released)
    prompts = [chat_prompt(i, n_images=2, layout="after_instruction") for i in INSTRUCTIONS]
    _, _, images = interleaved_batch(oracle_tokenizer)
    oracle.lang_encoder.generation_config.suppress_tokens = [oracle.media_token_id]
    eoc, new = model.eoc_token_id, 16
    theirs = []
    for prompt, sample_images in zip(prompts, images):
        ids = torch.tensor([[oracle_tokenizer.bos_token_id, *oracle_tokenizer(prompt, add_special_tokens=False)
                             ["input_ids"]]])
        out = oracle.generate(sample_images[None, :, None], ids, attention_mask=torch.ones_like(ids),
                              max_new_tokens=new)[0, ids.shape[1]:].tolist()
        theirs.append(out[:out.index(eoc)] if eoc in out else out)
    ours = generate_tokens(model, tokenizer, prompts, images, torch.ones(2, 2, dtype=torch.bool), batch_size=2,
                           max_new_tokens=new, do_sample=False, num_beams=1, eos_token_id=eoc)
    assert ours == theirs
    assert len(set(map(tuple, ours))) == 2 and all(ours)  # two different, non-empty continuations


@torch.no_grad()
def test_vision_tokens_are_open_clip_2s(released):
    """open_clip 2.x's VisionTransformer.forward (the version OpenFlamingo v1 used), written out: the patch tokens
    it returned had no `ln_post`. Our tower gives those under openflamingo_v1, the normed ones otherwise."""
    model, _ = our_model(released)
    tower = model.vision_encoder
    pixels = torch.randn(3, 3, 32, 32, generator=torch.Generator().manual_seed(5))
    x = tower.conv1(pixels).flatten(2).permute(0, 2, 1)
    x = torch.cat([tower.class_embedding.expand(x.shape[0], 1, -1), x], dim=1) + tower.positional_embedding
    x = tower.transformer(tower.ln_pre(tower.patch_dropout(x)))
    open_clip_2_tokens = x[:, 1:]
    torch.testing.assert_close(tower(pixels)[1], open_clip_2_tokens)
    ours_latest, _ = our_model(released, "latest_preceding")
    torch.testing.assert_close(ours_latest.vision_encoder(pixels)[1], tower.ln_post(open_clip_2_tokens))
