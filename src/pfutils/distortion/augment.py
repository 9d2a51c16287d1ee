"""Random text augmentations (Section 3.1, Appendix B): cheap, diverse noise on LLaVA responses.

Four levels, each applied with probability 0.5, in this order, as in the authors' released code:
1. sentence drop: split on '.', keep a random prefix of the pieces;
2. sentence shuffle: split on '.', shuffle, re-join with '' or '\\n';
3. character level: nlpaug `RandomCharAug`, one of insert/substitute/swap/delete, with random character and
   word probabilities;
4. word level: nlpaug `RandomWordAug`, one of delete/swap/crop, with a random word probability.

Two quirks of the released code are kept on purpose, because they shape the drafts the rewriter learnt from:
both sentence levels re-join the '.'-split pieces without the periods (so a dropped or shuffled text loses its
full stops), and after a sentence drop the shuffle sees a single piece and changes nothing. nlpaug also joins
its tokens with single spaces, so its levels flatten line breaks.

nlpaug draws from Python's global `random` and numpy's global generator. `augment_text` seeds both from the
sample's own seed and restores them afterwards, so a sample's augmentation depends only on its seed and the
caller's random state is untouched (not thread-safe: use processes for parallel work). nlpaug is imported on
first use: it pulls in transformers and takes a few seconds.
"""
from __future__ import annotations

import random
from contextlib import contextmanager

import numpy as np

from .distorter import Distortion

CHAR_ACTIONS = ("insert", "substitute", "swap", "delete")
WORD_ACTIONS = ("delete", "swap", "crop")


@contextmanager
def _global_random_seeded(seed: int):
    """Python's and numpy's global generators seeded with `seed` inside, restored on exit."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def drop_sentences(text: str, rng: random.Random) -> str:
    """A random prefix (at least one) of the '.'-split pieces, joined without the periods."""
    pieces = text.split(".")
    return "".join(pieces[:rng.randint(1, len(pieces))])


def shuffle_sentences(text: str, rng: random.Random) -> str:
    """The '.'-split pieces in random order, joined with '' or a line break."""
    pieces = text.split(".")
    rng.shuffle(pieces)
    return rng.choice(("", "\n")).join(pieces)


def char_noise(text: str, action: str, char_p: float, word_p: float, seed: int) -> str:
    """nlpaug's RandomCharAug with `action`, on a text that is not blank."""
    import nlpaug.augmenter.char as nac
    with _global_random_seeded(seed):
        return nac.RandomCharAug(action=action, aug_char_p=char_p, aug_word_p=word_p).augment(text)[0]


def word_noise(text: str, action: str, word_p: float, seed: int) -> str | None:
    """nlpaug's RandomWordAug with `action`, on a text that is not blank; None where nlpaug fails.

    nlpaug 1.1.11's crop of a single word to the right samples from an empty list and raises ValueError
    (short texts hit it); the level is then skipped.
    """
    import nlpaug.augmenter.word as naw
    with _global_random_seeded(seed):
        try:
            return naw.RandomWordAug(action=action, aug_p=word_p).augment(text)[0]
        except ValueError:
            return None


def augment_text(text: object, seed: int | str) -> Distortion:
    """The augmented text and the operations applied (e.g. ["sentence_drop", "char_swap"]), or a reject.

    Every decision comes from `random.Random(seed)`; a string seed such as f"{run_seed}:{sample_id}" ties the
    result to the sample, not to its position in a batch. All four levels may be skipped (probability 1/16):
    the text then comes back unchanged with no operations, as the authors' code would leave it.
    """
    if not isinstance(text, str):
        return Distortion.rejected(f"response is {type(text).__name__}, not str")
    if not text.strip():
        return Distortion.rejected("empty response")
    rng = random.Random(seed)
    operations = []
    if rng.random() < 0.5:
        text = drop_sentences(text, rng)
        operations.append("sentence_drop")
    if rng.random() < 0.5:
        text = shuffle_sentences(text, rng)
        operations.append("sentence_shuffle")
    if rng.random() < 0.5:
        action, char_p, word_p = rng.choice(CHAR_ACTIONS), rng.random(), rng.random()
        if text.strip():
            text = char_noise(text, action, char_p, word_p, rng.getrandbits(63))
            operations.append(f"char_{action}")
    if rng.random() < 0.5:
        action, word_p = rng.choice(WORD_ACTIONS), rng.random()
        noisy = word_noise(text, action, word_p, rng.getrandbits(63)) if text.strip() else None
        if noisy is not None:
            text = noisy
            operations.append(f"word_{action}")
    if not text.strip():
        return Distortion.rejected("augmentation left no text", operations=tuple(operations))
    return Distortion(text.strip(), None, tuple(operations))
