"""Random text augmentations: each level's effect, the 0.5 rates, and determinism per sample seed."""
import random
from collections import Counter

import numpy as np

from pfutils.distortion.augment import (augment_text, char_noise, drop_sentences, shuffle_sentences,
                                        word_noise)

TEXT = ("The empty room features various pieces of colorful furniture, including a tan couch and a large wood "
        "and glass armoire. The walls are painted white. In addition, there is a window on the left side.")


def test_sentence_drop_keeps_a_prefix_of_the_period_split_pieces():
    outs = {drop_sentences(TEXT, random.Random(seed)) for seed in range(30)}
    pieces = TEXT.split(".")
    assert outs == {"".join(pieces[:k]) for k in range(1, len(pieces) + 1)}


def test_sentence_shuffle_permutes_the_pieces_and_joins_with_nothing_or_a_newline():
    outs = [shuffle_sentences(TEXT, random.Random(seed)) for seed in range(30)]
    assert any("\n" in o for o in outs) and any("\n" not in o for o in outs)
    for out in outs:
        pieces = out.split("\n") if "\n" in out else None
        if pieces:
            assert sorted(pieces) == sorted(TEXT.split("."))
    assert len(set(outs)) > 5


def test_char_level_operations():
    inserted = char_noise(TEXT, "insert", 0.3, 0.3, seed=1)
    deleted = char_noise(TEXT, "delete", 0.3, 0.3, seed=1)
    substituted = char_noise(TEXT, "substitute", 0.3, 0.3, seed=1)
    swapped = char_noise(TEXT, "swap", 0.3, 0.3, seed=1)
    assert len(inserted) > len(TEXT) > len(deleted)
    assert len(substituted.split()) == len(TEXT.split()) and substituted != TEXT
    assert sorted(swapped.replace(" ", "")) == sorted(TEXT.replace(" ", "")) and swapped != TEXT


def test_word_level_operations():
    deleted = word_noise(TEXT, "delete", 0.3, seed=1)
    cropped = word_noise(TEXT, "crop", 0.3, seed=1)
    swapped = word_noise(TEXT, "swap", 0.3, seed=1)
    assert len(deleted.split()) < len(TEXT.split()) and len(cropped.split()) < len(TEXT.split())
    assert cropped.split()[-1] in TEXT.split() or cropped.split()[0] in TEXT.split()
    assert sorted(swapped.lower().split()) != TEXT.lower().split()
    bag = lambda text: Counter(w.strip(",.").lower() for w in text.split())
    assert bag(swapped) == bag(TEXT)


def test_each_level_is_applied_about_half_of_the_time_and_recorded():
    ops = [augment_text(TEXT, seed).operations for seed in range(200)]
    levels = Counter(op.split("_")[0] for o in ops for op in o)
    assert 70 < sum("sentence_drop" in o for o in ops) < 130
    assert 70 < sum("sentence_shuffle" in o for o in ops) < 130
    assert 70 < levels["char"] < 130 and 70 < levels["word"] < 130
    seen = {op for o in ops for op in o}
    assert seen == {"sentence_drop", "sentence_shuffle", "char_insert", "char_substitute", "char_swap",
                    "char_delete", "word_delete", "word_swap", "word_crop"}
    assert any(o == () for o in ops)  # no level at all: unchanged, with no operations


def test_augmentation_is_deterministic_per_seed_and_leaves_global_random_state_alone():
    random.seed(123)
    np.random.seed(123)
    expected = (random.random(), np.random.random())
    random.seed(123)
    np.random.seed(123)
    first = [augment_text(TEXT, f"run:{i}") for i in range(20)]
    assert (random.random(), np.random.random()) == expected
    assert first == [augment_text(TEXT, f"run:{i}") for i in range(20)]
    assert len({d.text for d in first}) > 10


def test_bad_input_is_rejected_with_a_reason():
    assert augment_text("", 0).reject_reason == "empty response"
    assert augment_text(None, 0).reject_reason == "response is NoneType, not str"
    rejected = [augment_text(".", seed) for seed in range(50)]
    assert all(d.text is None and d.reject_reason == "augmentation left no text" for d in rejected if d.text is None)
    assert any(d.text is None for d in rejected)
