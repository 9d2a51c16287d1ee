"""A byte-level BPE tokenizer trained on toyworld text, with the Flamingo and chat special tokens built in."""
from __future__ import annotations

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

from ..prompts import END_OF_CHUNK, IMAGE_TOKEN

# Fixed ids 0..4, so the CLIP text tower's pad id (0) and eos id (2) are known without the tokenizer.
SPECIAL_TOKENS = ("<pad>", "<s>", "</s>", IMAGE_TOKEN, END_OF_CHUNK)
PAD_ID, EOS_ID = 0, 2


def train_tokenizer(texts: list[str], vocab_size: int, model_max_length: int) -> PreTrainedTokenizerFast:
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(SPECIAL_TOKENS), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", pad_token="<pad>", padding_side="left",
        extra_special_tokens={"image_token": IMAGE_TOKEN, "eoc_token": END_OF_CHUNK},
        model_max_length=model_max_length)
