"""Tiny stand-ins for every model the paper profile loads, in the formats the real ones are released in, so that
`paper-mini` runs the paper's loading and computing code on a CPU in minutes with no download:

| paper                                  | here (random weights, a few MB)                                        |
|----------------------------------------|------------------------------------------------------------------------|
| LLaMA-7B (model.lm)                    | LlamaForCausalLM with a SentencePiece BPE tokenizer (LLaMA's type)      |
| CLIP ViT-L-14-336 (model.vision, CLIP) | an open_clip CLIP in open_clip's `local-dir:` format                    |
| OpenFlamingo-9B checkpoint.pt          | perceiver, XATTN and embeddings under OpenFlamingo v1's names           |
| Guanaco-7B (base.openflamingo adapter) | a peft LoRA adapter on the LLaMA above, in Guanaco's layout             |
| Guanaco-33B merged (distortion.llm)    | a second LlamaForCausalLM sharing the tokenizer                         |
| nli-deberta-v3-base (scoring.nli)      | a DeBERTa-v2 cross-encoder with 3 labels and an SPM tokenizer           |
| reward-model-deberta-v3-large-v2       | a DeBERTa-v2 classifier with one output and an SPM tokenizer            |

The tokenizers are trained here on the release's own texts (`pfutils.papermini.release`), so texts tokenise to
lengths like the real ones do. Random weights generate random text: the run checks that every stage's code works
on these formats and shapes, not what the method achieves.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

LLAMA = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 4, "num_attention_heads": 4,
         "num_key_value_heads": 2, "max_position_embeddings": 4096, "bos_token_id": 1, "eos_token_id": 2,
         "initializer_range": 0.3, "tie_word_embeddings": False}
CLIP = {"embed_dim": 32,
        "vision_cfg": {"image_size": 48, "layers": 2, "width": 32, "patch_size": 8, "head_width": 16},
        "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1}}
CLIP_PREPROCESS = {"mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711],
                   "interpolation": "bicubic", "resize_mode": "shortest"}
DEBERTA = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
           "max_position_embeddings": 512, "relative_attention": True, "pos_att_type": ["p2c", "c2p"],
           "position_biased_input": False, "position_buckets": 32, "type_vocab_size": 0, "initializer_range": 0.5}
GUANACO_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def release_texts(raw: Path) -> list[str]:
    """Every string of the release's JSON annotation files: what the tokenizers are trained on."""
    texts: list[str] = []

    def collect(value) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for path in sorted(raw.rglob("*.json*")):
        text = path.read_text(encoding="utf-8")
        try:
            collect(json.loads(text))
        except json.JSONDecodeError:  # JSON lines (UltraChat, VSR, NLVR2's .json)
            for line in text.splitlines():
                collect(json.loads(line))
    return [t for t in texts if len(t) > 2]


def sentencepiece_model(prefix: Path, texts: list[str], vocab_size: int, model_type: str, **options) -> Path:
    import sentencepiece

    prefix.parent.mkdir(parents=True, exist_ok=True)
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_prefix=str(prefix), vocab_size=vocab_size, model_type=model_type,
        hard_vocab_limit=False, minloglevel=2, **options)
    return prefix.with_suffix(".model")


def llama_tokenizer(directory: Path, texts: list[str]):
    """LLaMA's tokenizer type: SentencePiece BPE with byte fallback, `<unk>` `<s>` `</s>` at ids 0-2, no pad token,
    loaded through transformers' own conversion as a LLaMA checkpoint's `tokenizer.model` is."""
    from transformers import AutoTokenizer

    sentencepiece_model(directory / "tokenizer", texts, 1000, "bpe", byte_fallback=True, unk_id=0, bos_id=1,
                        eos_id=2, pad_id=-1, add_dummy_prefix=True, split_digits=True,
                        normalization_rule_name="identity", remove_extra_whitespaces=False)
    (directory / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "LlamaTokenizer"}))
    return AutoTokenizer.from_pretrained(directory)


def llama(directory: Path, tokenizer, seed: int):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    model = LlamaForCausalLM(LlamaConfig(**LLAMA, vocab_size=len(tokenizer)))
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return model


def open_clip_dir(directory: Path, seed: int) -> None:
    import open_clip
    from safetensors.torch import save_file

    torch.manual_seed(seed)
    clip = open_clip.CLIP(**CLIP)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "open_clip_config.json").write_text(json.dumps({"model_cfg": CLIP,
                                                                 "preprocess_cfg": CLIP_PREPROCESS}))
    save_file({k: v.contiguous() for k, v in clip.state_dict().items()},
              directory / "open_clip_model.safetensors")


def deberta(directory: Path, spm: Path, seed: int, labels: tuple[str, ...] | None) -> None:
    """A DeBERTa-v2 sequence classifier with its SPM tokenizer: one output (a reward), or the NLI labels."""
    from transformers import DebertaV2Config, DebertaV2ForSequenceClassification, DebertaV2Tokenizer

    tokenizer = DebertaV2Tokenizer(vocab_file=str(spm))
    label_fields = ({"num_labels": len(labels), "id2label": dict(enumerate(labels)),
                     "label2id": {label: i for i, label in enumerate(labels)}} if labels else {"num_labels": 1})
    torch.manual_seed(seed)
    config = DebertaV2Config(**DEBERTA, vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
                             **label_fields)
    DebertaV2ForSequenceClassification(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)


def openflamingo_release(params) -> None:
    """OpenFlamingo-9B's checkpoint.pt (perceiver, XATTN, input embeddings under v1's names) for the towers
    above, and a Guanaco-layout LoRA adapter for its LM: what 00b_openflamingo loads."""
    from ..model.build import build_flamingo
    from ..model.lora import add_lora
    from ..model.openflamingo import openflamingo_tokenizer
    from .v1_names import openflamingo_v1_state_dict

    torch.manual_seed(1)
    released, _ = build_flamingo(params.model, openflamingo_tokenizer(params.model.lm.name_or_path), device="cpu",
                                 dtype=torch.float32)
    state = {name: tensor for name, tensor in openflamingo_v1_state_dict(released).items()
             if name.startswith("perceiver.") or "gated_cross_attn_layer" in name
             or name == "lang_encoder.model.embed_tokens.weight"}
    checkpoint = Path(params.base.openflamingo.checkpoint)
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model_state_dict": state}, checkpoint)
    add_lora(released, params.model.lora)
    with torch.no_grad():
        for name, parameter in released.named_parameters():
            if ".lora_B." in name:
                parameter.normal_(std=0.02)
    released.lang_encoder.save_pretrained(params.base.openflamingo.lora_adapter, save_embedding_layers=False)


def write_models(params, raw: Path) -> None:
    """Every model of `params` (the paper-mini profile) at the local path it names."""
    texts = release_texts(raw)
    lm_dir = Path(params.model.lm.name_or_path)
    tokenizer = llama_tokenizer(lm_dir, texts)
    llama(lm_dir, tokenizer, seed=0)
    llama(Path(params.distortion.llm.model), tokenizer, seed=1)
    open_clip_dir(Path(params.model.vision.local_dir), seed=0)
    spm = sentencepiece_model(lm_dir.parent / "deberta-spm" / "spm", texts, 800, "unigram",
                              pad_id=0, unk_id=3, bos_id=1, eos_id=2, user_defined_symbols=["[MASK]"],
                              control_symbols=["[CLS]", "[SEP]"])
    deberta(Path(params.scoring.nli.model), spm, seed=2, labels=("contradiction", "entailment", "neutral"))
    deberta(Path(params.reward.model), spm, seed=3, labels=None)
    openflamingo_release(params)
