"""Tiny random Flamingos for the model tests: built in memory, no downloads, a few MB, fast on two CPU cores."""

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from pfutils.model.build import build_flamingo
from pfutils.model.config import FlamingoConfig
from pfutils.model.build import language_model
from pfutils.model.config import LanguageModelConfig
from pfutils.papermini.v1_names import openflamingo_v1_state_dict  # noqa: F401  (tests import it from here)

WORDS = [f"w{i}" for i in range(58)]
SPECIAL = ["<unk>", "<s>", "</s>", "<pad>", "<image>", "<|endofchunk|>"]

TINY_CLIP = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 16},
    "text_cfg": {"context_length": 16, "vocab_size": 64, "width": 32, "heads": 2, "layers": 1},
}
TINY_LLAMA = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": 64,
    "max_position_embeddings": 128,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "pad_token_id": 3,
    "initializer_range": 0.3,  # large, so that a random model's greedy outputs differ from prompt to prompt
}


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models gain nothing from a second thread, and on a busy 2-core machine OpenMP's spinning threads made
    these tests up to 30x slower. Autouse in every module that imports it; the thread count is restored after."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_tokenizer(flamingo_tokens: bool = True) -> PreTrainedTokenizerFast:
    """A word-level tokenizer over w0..w57 that already holds `<image>` and `<|endofchunk|>` (like the tiny
    profile's), or, with `flamingo_tokens=False`, lacks them and a pad token (like the paper's LLaMA tokenizer)."""
    special = SPECIAL if flamingo_tokens else SPECIAL[:3]
    backend = Tokenizer(models.WordLevel({token: i for i, token in enumerate(special + WORDS)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    if not flamingo_tokens:
        return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", bos_token="<s>", eos_token="</s>")
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        extra_special_tokens=["<image>", "<|endofchunk|>"],
    )


def tiny_config(**overrides) -> FlamingoConfig:
    fields = {
        "vision": {"open_clip_cfg": TINY_CLIP},
        "lm": {"llama_config": TINY_LLAMA},
        "cross_attn_every_n_layers": 2,
        "perceiver": {"depth": 2, "num_latents": 4, "heads": 2, "dim_head": 8, "ff_mult": 2},
        "xattn": {"heads": 2, "dim_head": 8, "ff_mult": 2},
        "lora": {"r": 4, "alpha": 8, "dropout": 0.0},
    }
    fields.update(overrides)
    return FlamingoConfig.model_validate(fields)


def tiny_flamingo(seed: int = 0, open_gates: bool = True, **overrides):
    """(model, tokenizer) in fp32 on cpu, eval mode; `open_gates` sets the tanh gates to random nonzero values so
    that the cross-attention matters."""
    torch.manual_seed(seed)
    model, tokenizer = build_flamingo(tiny_config(**overrides), tiny_tokenizer(), device="cpu", dtype=torch.float32)
    if open_gates:
        with torch.no_grad():
            for block in model.gated_cross_attn_layers.values():
                block.attn_gate.uniform_(0.5, 1.5)
                block.ff_gate.uniform_(0.5, 1.5)
    return model.eval(), tokenizer


def random_images(batch: int, slots: int, seed: int = 1, size: int = 32) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, slots, 3, size, size, generator=generator)


def save_open_clip_dir(directory, seed: int = 0, clip_config: dict = TINY_CLIP):
    """A tiny CLIP (default: TINY_CLIP) in open_clip's `local-dir:` format (open_clip_config.json +
    open_clip_model.safetensors), the format the tiny profile's trained CLIP is read from. Returns the CLIP."""
    import json

    import open_clip
    from safetensors.torch import save_file

    torch.manual_seed(seed)
    clip = open_clip.CLIP(**clip_config)
    preprocess = {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25], "interpolation": "bicubic"}
    directory.mkdir(parents=True, exist_ok=True)
    config = {"model_cfg": clip_config, "preprocess_cfg": preprocess}
    (directory / "open_clip_config.json").write_text(json.dumps(config))
    save_file({k: v.contiguous() for k, v in clip.state_dict().items()}, directory / "open_clip_model.safetensors")
    return clip


def save_llama_dir(directory, tokenizer=None, seed: int = 0):
    """A tiny random LlamaForCausalLM with its tokenizer (default: `tiny_tokenizer()`), saved as a Hugging Face
    model directory."""
    tokenizer = tokenizer or tiny_tokenizer()
    torch.manual_seed(seed)
    lm = language_model(LanguageModelConfig(llama_config={**TINY_LLAMA, "vocab_size": len(tokenizer)}))
    lm.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return lm


SENTENCEPIECE_TEXT = [
    "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, "
    "detailed, and polite answers to the user's questions.",
    "### Human: What is in the image? Describe it in detail.",
    "### Assistant: There is a red cube to the left of a small blue sphere on the wooden table.",
    "### Human: Compare the two pictures. How many objects are there?",
    "### Assistant: The first picture shows three objects; the second one shows only two of them.",
    "(Drafted Response) a cube. (Revised Response) The image shows a large green cube.",
]


def sentencepiece_llama_tokenizer(directory):
    """LLaMA's tokenizer type at tiny size: a SentencePiece BPE model (byte fallback, `<unk>` `<s>` `</s>` at ids
    0-2, a dummy prefix `▁`, as LLaMA's) trained here on a few chat lines, saved as `tokenizer.model` in
    `directory` and loaded through transformers' own conversion, as a LLaMA checkpoint directory is."""
    import sentencepiece
    from transformers import AutoTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(SENTENCEPIECE_TEXT * 20), model_prefix=str(directory / "tokenizer"),
        vocab_size=420, model_type="bpe", byte_fallback=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        add_dummy_prefix=True, split_digits=True, normalization_rule_name="identity",
        remove_extra_whitespaces=False, hard_vocab_limit=False, minloglevel=2)
    return AutoTokenizer.from_pretrained(directory)
