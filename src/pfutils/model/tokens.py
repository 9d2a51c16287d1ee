"""Flamingo's special tokens: `<image>` marks where an image sits in the text, `<|endofchunk|>` ends a chunk."""

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from pfutils.prompts import END_OF_CHUNK, IMAGE_TOKEN


def add_flamingo_tokens(tokenizer: PreTrainedTokenizerBase, lang_encoder: PreTrainedModel) -> tuple[int, int]:
    """Adds the tokens a tokenizer lacks (the paper's LLaMA tokenizer lacks both; the tiny profile's has them),
    gives it a pad token if it has none (its unk token, as the original authors' code pads with id 0), and grows
    the LM's embeddings when the tokenizer outgrew them. Returns (media_token_id, eoc_token_id).

    New embedding rows are random: save them with the model (`checkpoint.save_flamingo` does).
    """
    missing = [token for token in (IMAGE_TOKEN, END_OF_CHUNK) if token not in tokenizer.get_vocab()]
    if missing:
        tokenizer.add_tokens(missing, special_tokens=True)
    if tokenizer.pad_token is None:
        if tokenizer.unk_token is not None:
            tokenizer.pad_token = tokenizer.unk_token
        else:
            tokenizer.add_special_tokens({"pad_token": "<PAD>"})
    if len(tokenizer) > lang_encoder.get_input_embeddings().num_embeddings:
        lang_encoder.resize_token_embeddings(len(tokenizer))
    return tokenizer.convert_tokens_to_ids(IMAGE_TOKEN), tokenizer.convert_tokens_to_ids(END_OF_CHUNK)
