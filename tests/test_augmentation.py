"""Multi-turn augmentation: loss masks, images and turns of packed sequences; batch composition."""
import random

from model_fixtures import one_torch_thread, tiny_flamingo  # noqa: F401  (autouse fixture: one torch thread)
from PIL import Image

from pfutils.augmentation.packing import Turn, epoch_examples, packed_example, tokenized_turns
from pfutils.augmentation.stats import batch_composition, training_throughput
from pfutils.model.behaviour import BEHAVIOURS
from pfutils.model.images import image_transform
from pfutils.pretrain.tokenizer import train_tokenizer
from pfutils.prompts import chat_prompt
from pfutils.training.examples import IGNORE

IMAGE = Image.new("RGB", (8, 8))


def tiny_tokenizer():
    """A BPE tokenizer that knows the chat format, as the tiny profile's does."""
    texts = [chat_prompt(f"w{i} w{i + 1}", f"w{i + 2} w{i + 3}", n_images=i % 3) for i in range(60)]
    return train_tokenizer(texts, vocab_size=400, model_max_length=512)


def _turns():
    words = [f"w{i}" for i in range(40)]
    rng = random.Random(0)
    return [Turn(" ".join(rng.sample(words, rng.randint(1, 4))), " ".join(rng.sample(words, rng.randint(1, 5))),
                 (IMAGE,) * rng.randint(0, 2)) for _ in range(30)]


def _spans(labels):
    """(start, end) of each run of loss-bearing positions."""
    spans, start = [], None
    for i, label in enumerate(labels + [IGNORE]):
        if label != IGNORE and start is None:
            start = i
        elif label == IGNORE and start is not None:
            spans.append((start, i))
            start = None
    return spans


def test_packed_sequences_keep_every_turn_whole():
    tok = tiny_tokenizer()
    turns = _turns()
    tokenized = tokenized_turns(tok, turns, BEHAVIOURS["latest_preceding"])
    for first in range(len(turns)):
        ex = packed_example(tokenized, first, context_length=160, max_images=3, rng=random.Random(first))
        ids, labels = ex["input_ids"], ex["labels"]
        assert len(ids) <= 160 and len(ex["images"]) <= 3
        assert ids.count(tok.convert_tokens_to_ids("<image>")) == len(ex["images"]), "an <image> without its image"
        spans = _spans(labels)
        eos = tok.eos_token_id
        # the loss covers exactly each response and its EOS: every span ends with EOS and EOS ends every span
        assert all(ids[end - 1] == eos for _, end in spans)
        assert [i for i, t in enumerate(ids) if t == eos] == [end - 1 for _, end in spans]
        assert all(labels[i] == ids[i] for s, e in spans for i in range(s, e))
        # one system message, at the start, and one human turn per response
        text = tok.decode(ids)
        assert text.count("A chat between") == 1 and text.startswith("A chat between")
        assert len(spans) == text.count("### Human:") == text.count("### Assistant:")


def test_augmentation_fills_the_context_and_changes_with_the_epoch():
    tok = tiny_tokenizer()
    tokenized = tokenized_turns(tok, _turns(), BEHAVIOURS["latest_preceding"])
    plain = epoch_examples(tokenized, 160, 3, seed=1, epoch=0, augment=False)
    packed = epoch_examples(tokenized, 160, 3, seed=1, epoch=0, augment=True)
    assert len(plain) == len(packed)
    assert sum(len(e["input_ids"]) for e in packed) > 2 * sum(len(e["input_ids"]) for e in plain)
    assert packed == epoch_examples(tokenized, 160, 3, seed=1, epoch=0, augment=True)
    assert packed != epoch_examples(tokenized, 160, 3, seed=1, epoch=1, augment=True)


def test_batch_composition_by_hand():
    examples = [{"input_ids": [1] * 4, "labels": [IGNORE, IGNORE, 1, 1]},
                {"input_ids": [1] * 2, "labels": [IGNORE, 1]}]
    stats = batch_composition(examples, batch_size=2, micro_batch_size=2, seed=0)
    assert stats["real_fraction"] == 6 / 8 and stats["loss_fraction"] == 3 / 8 and stats["tokens"] == 6
    assert stats["turns_per_sequence"] == 1
    two_turns = {"input_ids": [1] * 6, "labels": [IGNORE, 1, IGNORE, IGNORE, 1, 1]}
    short = {"input_ids": [1] * 2, "labels": [IGNORE, 1]}
    # micro-batches of 2 out of [long, short, long, short]: grouping by length pairs the long ones
    mixed = [two_turns, short, two_turns, short]
    assert batch_composition(mixed, 4, 2, seed=1)["turns_per_sequence"] == 1.5
    assert batch_composition(mixed, 4, 2, seed=1)["real_fraction"] == 8 / 12  # this shuffle pairs long with short
    assert batch_composition(mixed, 4, 2, seed=1, group_by_length=True)["real_fraction"] == 1.0


def test_throughput_draws_micro_batches_across_the_whole_dataset():
    """Stage datasets are sorted by source; the benchmark must not time only their first rows."""
    model, tok = tiny_flamingo()
    long = [{"input_ids": [5] * 12, "labels": [IGNORE] * 4 + [5] * 8, "images": []} for _ in range(4)]
    short = [{"input_ids": [6] * 4, "labels": [IGNORE] * 2 + [6] * 2, "images": []} for _ in range(4)]
    stats = training_throughput(model, tok, {"mixed": long + short, "short": short}, "perceiver_xattn",
                                micro_batch_size=2, context_length=16, steps=4,
                                transform=image_transform(model.vision_encoder), seed=0)
    # four steps of two cover all eight examples once: 4 x 8 + 4 x 2 loss tokens, not the first rows twice
    mixed, short_only = stats["mixed"], stats["short"]
    assert round(mixed["loss_tokens_per_second"] * mixed["seconds"]) == 40
    assert round(mixed["real_tokens_per_second"] * mixed["seconds"]) == 64
    # the warm-up steps are not counted; a run smaller than steps x micro-batch wraps around
    assert round(short_only["loss_tokens_per_second"] * short_only["seconds"]) == 4 * 2 * 2
    assert round(short_only["tokens_per_second"] * short_only["seconds"]) == 4 * 2 * 16
