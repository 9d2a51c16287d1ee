"""Surface statistics of a text's style: how terse, lowercase, punctuated and repetitive it is.

The distortion stage must produce drafts that look like raw vision-language annotations (Section 3.1). These
numbers let a notebook put distorted drafts, polite originals and real raw annotations side by side and see
whether the drafts sit near the raw annotations. They measure style only, never content, and need no model.
`form_score` turns three of them into a politeness judge that no stage trained, reported beside the reward.
"""
from __future__ import annotations

import math
import re
import string

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")


def split_sentences(text: str) -> list[str]:
    """Sentences of a text: split after . ! ? followed by whitespace, and at line breaks; empty pieces dropped."""
    return [s.strip() for s in _SENTENCE_BREAK.split(text) if s.strip()]


def words(text: str) -> list[str]:
    """Alphanumeric words (with an inner apostrophe kept: "it's"), in order, case untouched."""
    return _WORD.findall(text)


def distinct_n(tokens: list[str], n: int) -> float:
    """Share of distinct n-grams among all n-grams; NaN when there is none, so averages skip it."""
    grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return len(set(grams)) / len(grams) if grams else math.nan


def style_features(text: str) -> dict[str, float]:
    """Style of one text as plain numbers (a row of a DataFrame).

    - `words`, `sentences`: lengths; `words_per_sentence` their ratio.
    - `lowercase_initial`: share of sentences starting with a lowercase letter (COCO captions: often 1.0).
    - `uppercase_ratio`: uppercase letters over all letters.
    - `punctuation_per_word`: ASCII punctuation characters per word.
    - `distinct_2`: distinct word bigrams over all bigrams (lowercased); NaN for fewer than two words.
    Ratios that would divide by zero are NaN, so a column's mean ignores them.
    """
    tokens = words(text)
    sentences = split_sentences(text)
    initials = [next((c for c in s if c.isalpha()), "") for s in sentences]
    initials = [c for c in initials if c]
    letters = [c for c in text if c.isalpha()]
    punctuation = sum(c in string.punctuation for c in text)
    return {
        "words": float(len(tokens)),
        "sentences": float(len(sentences)),
        "words_per_sentence": len(tokens) / len(sentences) if sentences else math.nan,
        "lowercase_initial": sum(c.islower() for c in initials) / len(initials) if initials else math.nan,
        "uppercase_ratio": sum(c.isupper() for c in letters) / len(letters) if letters else math.nan,
        "punctuation_per_word": punctuation / len(tokens) if tokens else math.nan,
        "distinct_2": distinct_n([t.lower() for t in tokens], 2),
    }


def form_score(text: str) -> float:
    """An untrained politeness judge: the share of three marks of a written answer the text has. (1) A sentence of
    at least five words (not a bare "3", "yes" or "red cube"), (2) every sentence opened with a capital letter,
    (3) a final ".", "!" or "?". Raw annotations miss them (terse answers, lowercase unpunctuated captions); polite
    responses have all three. No stage trained it, so it cannot have learnt the raw styles the reward model was
    shown; it reads form only, and cannot tell a curt full sentence from a kind one. An empty text scores 0."""
    sentences = split_sentences(text)
    if not sentences:
        return 0.0
    initials = [next((c for c in s if c.isalpha()), "") for s in sentences]
    initials = [c for c in initials if c]
    marks = (any(len(words(s)) >= 5 for s in sentences),
             bool(initials) and all(c.isupper() for c in initials),
             text.rstrip()[-1:] in (".", "!", "?"))
    return sum(marks) / len(marks)
