"""The 24 distortion commands of Table 5 as plain text operations (the emulator's half of each command).

`COMMANDS[k]` carries out command k on an already compressed draft: `f(text, rng) -> text`. Each does what its
sentence in the prompt claims, on any English text; the word tables in `wordlists` give them material. All
randomness comes from the `rng` passed in, so a seed reproduces a draft exactly.
"""
from __future__ import annotations

import random
import re
from typing import Callable

from ..textstats import split_sentences, words
from .wordlists import (
    ADJECTIVES,
    AGREEMENT_SWAPS,
    ALTERNATIVES,
    AMBIGUITY_CLAUSES,
    CASUAL_CLOSERS,
    CASUAL_FILLERS,
    CASUAL_OPENERS,
    CONTRACTIONS,
    FANCY,
    HEDGES,
    INCOHERENT_CONNECTORS,
    INTENSIFIERS,
    IRRELEVANT,
    METAPHORS,
    NOUNS,
    SOPHISTICATED_OPENERS,
    STOPWORDS,
    SYNONYMS,
    VERBOSE_CLOSERS,
    VERBOSE_OPENERS,
    WRONG_TENSES,
)

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {row[i]: row[max(i - 1, 0):i] + row[i + 1:i + 2] for row in _KEYBOARD_ROWS for i in range(len(row))}
_PREPOSITIONAL = re.compile(r"^(?P<head>\S.*?)\s+(?P<pp>(?:in|on|at|near|with|under|above|below|behind|beside|"
                            r"next to|against|inside|from|along|across)\s.+)$", re.IGNORECASE)


# --- helpers ------------------------------------------------------------------------------------------------------

def carry_case(source: str, word: str) -> str:
    """`word` written in the case of `source` (UPPER, Capitalised or as is)."""
    if len(source) > 1 and source.isupper():
        return word.upper()
    if source[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def rewrite_spans(text: str, edits: dict[tuple[int, int], str]) -> str:
    """`text` with each (start, end) span replaced by its new string; spaces left by deletions are tidied."""
    pieces, last = [], 0
    for (start, end), new in sorted(edits.items()):
        pieces += [text[last:start], new]
        last = end
    return tidy("".join(pieces) + text[last:])


def tidy(text: str) -> str:
    """Single spaces, no space before , . ! ? and no leading or trailing blanks (line breaks kept)."""
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" +([,.!?])", r"\1", text)
    return re.sub(r",(?:\s*,)+", ",", text).strip()


def join_sentences(sentences: list[str]) -> str:
    """Sentences joined by spaces, with a period added where one without end punctuation is followed by more."""
    return " ".join(s if i == len(sentences) - 1 or s.endswith((".", "!", "?")) else s + "."
                    for i, s in enumerate(sentences))


def matches(text: str, table) -> list[re.Match]:
    """Word matches whose lowercase form is in `table`."""
    return [m for m in _WORD.finditer(text) if m.group().lower() in table]


def synonym(word: str, rng: random.Random) -> str:
    """A synonym of `word` from the table, in its case."""
    return carry_case(word, rng.choice(SYNONYMS[word.lower()]))


def lower_first(text: str) -> str:
    return text if text.startswith("I ") else text[:1].lower() + text[1:]


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def strip_end(text: str) -> str:
    return text.rstrip(" .!?")


def _typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: swapped neighbours, a dropped or doubled letter, or a neighbouring key."""
    kind = rng.choice(("swap", "drop", "double", "neighbour"))
    i = rng.randrange(1, len(word))
    swappable = [j for j in range(len(word) - 1) if word[j] != word[j + 1]]
    if kind == "swap" and swappable:
        j = rng.choice(swappable)
        return word[:j] + word[j + 1] + word[j] + word[j + 2:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "neighbour" and word[i].lower() in _NEIGHBOURS:
        return word[:i] + carry_case(word[i], rng.choice(_NEIGHBOURS[word[i].lower()])) + word[i + 1:]
    return word[:i] + word[i + 1:]


def _rearranged(sentence: str, rng: random.Random) -> str:
    """The sentence with a phrase moved: a trailing prepositional phrase to the front, halves around "and"
    swapped, or else its words rotated."""
    end = sentence[len(strip_end(sentence)):].strip()
    body = strip_end(sentence)
    if (m := _PREPOSITIONAL.match(body)) is not None:
        new = f"{m['pp']}, {lower_first(m['head'])}"
    elif " and " in body:
        first, second = body.split(" and ", 1)
        new = f"{second} and {lower_first(first)}"
    elif len(tokens := body.split()) >= 2:
        k = rng.randrange(1, len(tokens))
        new = " ".join(tokens[k:] + [lower_first(tokens[0])] + tokens[1:k])
    else:
        return sentence
    return (upper_first(new) if sentence[:1].isupper() else new) + end


def _slight_change(sentence: str, rng: random.Random) -> str:
    """The sentence with one small edit: a synonym, a dropped word, or two neighbouring words swapped."""
    body = strip_end(sentence)
    end = sentence[len(body):].strip()
    tokens = body.split()
    options = ["synonym", "drop", "swap"]
    rng.shuffle(options)
    for option in options:
        if option == "synonym" and (found := matches(body, SYNONYMS)):
            m = rng.choice(found)
            return rewrite_spans(body, {m.span(): synonym(m.group(), rng)}) + end
        if option == "drop" and len(tokens) >= 3:
            i = rng.randrange(1, len(tokens))
            return " ".join(tokens[:i] + tokens[i + 1:]) + end
        if option == "swap" and len(set(tokens)) > 1:
            i = rng.choice([j for j in range(len(tokens) - 1) if tokens[j] != tokens[j + 1]])
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
            return " ".join(tokens) + end
    return " ".join(tokens + tokens[-1:]) + end  # one word only: say it twice


# --- the 24 commands ------------------------------------------------------------------------------------------------

def no_punctuation_no_capitals(text: str, rng: random.Random) -> str:
    """1. All punctuation removed (hyphens and slashes become spaces) and everything lowercase."""
    return tidy(re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", re.sub(r"[-/]", " ", text)))).lower()


def add_typos(text: str, rng: random.Random) -> str:
    """2. A few typos: about one word in seven of three letters or more gets a keyboard slip."""
    found = [m for m in _WORD.finditer(text) if len(m.group()) >= 3]
    if not found:
        return text
    chosen = rng.sample(found, max(1, round(len(found) / 7)))
    return rewrite_spans(text, {m.span(): _typo(m.group(), rng) for m in chosen})


def add_grammar_errors(text: str, rng: random.Random) -> str:
    """3. Grammatical errors: articles dropped or confused (a/an), agreement broken (is/are, has/have, ...)."""
    edits = {}
    for m in _WORD.finditer(text):
        word = m.group().lower()
        if word in ("a", "an"):
            edits[m.span()] = rng.choice(("", carry_case(m.group(), "an" if word == "a" else "a")))
        elif word == "the":
            edits[m.span()] = rng.choice(("", carry_case(m.group(), "a")))
        elif word in AGREEMENT_SWAPS:
            edits[m.span()] = carry_case(m.group(), AGREEMENT_SWAPS[word])
    if not edits:
        found = list(_WORD.finditer(text))
        if not found:
            return text
        m = rng.choice(found)
        return rewrite_spans(text, {(m.start(), m.start()): "an "})
    chosen = rng.sample(sorted(edits), max(1, len(edits) // 2))
    return rewrite_spans(text, {span: edits[span] for span in chosen})


def drop_words_and_sentences(text: str, rng: random.Random) -> str:
    """4. One sentence removed (when there are several) and about a fifth of the remaining words."""
    sentences = split_sentences(text)
    if len(sentences) > 1:
        del sentences[rng.randrange(len(sentences))]
    tokens = join_sentences(sentences).split()
    if len(tokens) < 2:
        return " ".join(tokens)
    dropped = set(rng.sample(range(len(tokens)), min(max(1, round(len(tokens) / 5)), len(tokens) - 1)))
    return " ".join(t for i, t in enumerate(tokens) if i not in dropped)


def to_uppercase(text: str, rng: random.Random) -> str:
    """5. All letters uppercase."""
    return text.upper()


def to_lowercase(text: str, rng: random.Random) -> str:
    """6. All letters lowercase."""
    return text.lower()


def replace_some_synonyms(text: str, rng: random.Random) -> str:
    """7. About half of the words that have a synonym in the table are replaced by one."""
    found = matches(text, SYNONYMS)
    if not found:
        return text
    chosen = rng.sample(found, max(1, len(found) // 2))
    return rewrite_spans(text, {m.span(): synonym(m.group(), rng) for m in chosen})


def insert_repetition(text: str, rng: random.Random) -> str:
    """8. A run of one to three words said again right after itself, once or twice."""
    tokens = text.split()
    if not tokens:
        return text
    start = rng.randrange(len(tokens))
    end = start + rng.randint(1, min(3, len(tokens) - start))
    copy = [t.strip(",.!?;:") for t in tokens[start:end]]
    return " ".join(tokens[:end] + copy * rng.randint(1, 2) + tokens[end:])


def rearrange_structure(text: str, rng: random.Random) -> str:
    """9. Every sentence rearranged: the same words, phrases in another order."""
    return join_sentences([_rearranged(s, rng) for s in split_sentences(text)])


def wrong_tenses(text: str, rng: random.Random) -> str:
    """10. Every verb of the table put in a wrong tense or form (is -> was/were/be, has -> had, ...);
    text without one gets a stray "were" after its first word."""
    found = matches(text, WRONG_TENSES)
    if not found:
        tokens = text.split()
        return " ".join(tokens[:1] + ["were"] + tokens[1:])
    return rewrite_spans(text, {m.span(): carry_case(m.group(), rng.choice(WRONG_TENSES[m.group().lower()]))
                                for m in found})


def add_verbosity(text: str, rng: random.Random) -> str:
    """11. Padding: a long-winded opener and closer, and intensifiers before adjectives."""
    found = matches(text, ADJECTIVES)
    chosen = rng.sample(found, (len(found) + 1) // 2)
    text = rewrite_spans(text, {(m.start(), m.start()): rng.choice(INTENSIFIERS) + " " for m in chosen})
    return rng.choice(VERBOSE_OPENERS) + lower_first(strip_end(text)) + rng.choice(VERBOSE_CLOSERS) + "."


def as_short_as_possible(text: str, rng: random.Random) -> str:
    """12. Only the first sentence's content words, at most two to six of them."""
    sentences = split_sentences(text)
    tokens = words(sentences[0]) if sentences else []
    content = [t for t in tokens if t.lower() not in STOPWORDS] or tokens[:1]
    return " ".join(content[:rng.randint(2, 6)])


def essentials_with_commas(text: str, rng: random.Random) -> str:
    """13. The content phrases (runs of words between stopwords and punctuation), lowercase, comma-separated."""
    chunks, current = [], []
    for token in re.findall(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?|[^\w\s]", text):
        if token[0].isalnum() and token.lower() not in STOPWORDS:
            current.append(token.lower())
        elif current:
            chunks.append(" ".join(current))
            current = []
    if current:
        chunks.append(" ".join(current))
    return ", ".join(dict.fromkeys(chunks))


def remove_formatting(text: str, rng: random.Random) -> str:
    """14. No markdown, bullets, numbering or line breaks: one run of plain text."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:#+|[-*+\u2022>]|\d+[.)])\s+", "", line)
        line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
        line = re.sub(r"\*\*|__|[*`~]", "", line)
        line = re.sub(r"(?<!\w)_([^_]+)_(?!\w)", r"\1", line)
        if line.strip():
            lines.append(line.strip())
    return tidy(" ".join(lines))


def rewrite_with_synonyms(text: str, rng: random.Random) -> str:
    """15. Every word with a synonym in the table replaced, and every sentence rearranged."""
    replaced = rewrite_spans(text, {m.span(): synonym(m.group(), rng) for m in matches(text, SYNONYMS)})
    return rearrange_structure(replaced, rng)


def reverse_sentences(text: str, rng: random.Random) -> str:
    """16. Sentences in reverse order; a single sentence has its clauses reversed instead."""
    sentences = split_sentences(text)
    if len(sentences) > 1:
        return join_sentences(sentences[::-1])
    clauses = [c for c in re.split(r",\s+|\s+and\s+", strip_end(text)) if c]
    return ", ".join(reversed(clauses)) if len(clauses) > 1 else text


def make_casual(text: str, rng: random.Random) -> str:
    """17. Casual and unprofessional: lowercase, contractions, "yeah so", "kinda", "lol"."""
    text = text.lower()
    for phrase, short in CONTRACTIONS.items():
        text = re.sub(rf"\b{phrase}\b", short, text)
    tokens = strip_end(text).split()
    tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(CASUAL_FILLERS))
    return rng.choice(CASUAL_OPENERS) + " ".join(tokens) + rng.choice(CASUAL_CLOSERS)


def make_sophisticated(text: str, rng: random.Random) -> str:
    """18. Complex wording: plain words swapped for pretentious ones, behind a formal opener."""
    text = rewrite_spans(text, {m.span(): carry_case(m.group(), FANCY[m.group().lower()])
                                for m in matches(text, FANCY)})
    return rng.choice(SOPHISTICATED_OPENERS) + lower_first(text)


def add_ambiguity(text: str, rng: random.Random) -> str:
    """19. Several readings: alternatives after some words ("red (or maybe orange)"), or a hedge, and a
    second-reading clause at the end."""
    found = matches(text, ALTERNATIVES)
    if found:
        chosen = rng.sample(found, max(1, len(found) // 3))
        text = rewrite_spans(text, {m.span(): carry_case(m.group(), ALTERNATIVES[m.group().lower()]) for m in chosen})
    elif (all_words := list(_WORD.finditer(text))):
        m = rng.choice(all_words)
        text = rewrite_spans(text, {(m.start(), m.start()): rng.choice(HEDGES) + " "})
    return strip_end(text) + rng.choice(AMBIGUITY_CLAUSES) + "."


def add_metaphor(text: str, rng: random.Random) -> str:
    """20. An unconventional metaphor about something the text names, inserted after a random sentence."""
    nouns = [w.lower() for w in words(text) if w.lower() in NOUNS]
    others = sorted((w.lower() for w in words(text) if w.lower() not in STOPWORDS), key=len, reverse=True)
    subject = rng.choice(nouns) if nouns else (others[0] if others else "thing")
    metaphor = upper_first(rng.choice(METAPHORS).format(x=subject)) + "."
    sentences = split_sentences(text)
    sentences.insert(rng.randint(1, max(len(sentences), 1)), metaphor)
    return join_sentences(sentences)


def add_irrelevant(text: str, rng: random.Random) -> str:
    """21. An irrelevant fact inserted between sentences."""
    sentences = split_sentences(text)
    sentences.insert(rng.randint(0, len(sentences)), rng.choice(IRRELEVANT))
    return join_sentences(sentences)


def repeat_with_variation(text: str, rng: random.Random) -> str:
    """22. One sentence followed by two to four copies of itself, each with one slight change."""
    sentences = split_sentences(text) or [text]
    i = rng.randrange(len(sentences))
    sentences[i + 1:i + 1] = [_slight_change(sentences[i], rng) for _ in range(rng.randint(2, 4))]
    return join_sentences(sentences)


def five_words(text: str, rng: random.Random) -> str:
    """23. Exactly five words: the first distinct content words, topped up with other words of the text, then
    with generic ones."""
    tokens = [w.lower() for w in words(text)]
    ranked = [t for t in tokens if t not in STOPWORDS] + [t for t in tokens if t in STOPWORDS]
    ranked += ["image", "thing", "shown", "here", "stuff"]
    return " ".join(list(dict.fromkeys(ranked))[:5])


def make_less_coherent(text: str, rng: random.Random) -> str:
    """24. Clauses shuffled and glued with connectives that do not fit ("so", "but then", "anyway")."""
    chunks = [c.strip() for c in re.split(r"[.;!?,]+|\band\b", text) if c.strip()]
    if len(chunks) < 2:
        tokens = text.split()
        if len(tokens) < 2:
            return strip_end(text) + rng.choice(INCOHERENT_CONNECTORS).rstrip()
        k = rng.randrange(1, len(tokens))
        chunks = [" ".join(tokens[:k]), " ".join(tokens[k:])]
    order = list(range(len(chunks)))
    rng.shuffle(order)
    if order == sorted(order):
        order = order[1:] + order[:1]
    out = chunks[order[0]]
    for i in order[1:]:
        out += rng.choice(INCOHERENT_CONNECTORS) + chunks[i]
    return out


COMMANDS: dict[int, Callable[[str, random.Random], str]] = {
    1: no_punctuation_no_capitals, 2: add_typos, 3: add_grammar_errors, 4: drop_words_and_sentences,
    5: to_uppercase, 6: to_lowercase, 7: replace_some_synonyms, 8: insert_repetition, 9: rearrange_structure,
    10: wrong_tenses, 11: add_verbosity, 12: as_short_as_possible, 13: essentials_with_commas,
    14: remove_formatting, 15: rewrite_with_synonyms, 16: reverse_sentences, 17: make_casual,
    18: make_sophisticated, 19: add_ambiguity, 20: add_metaphor, 21: add_irrelevant, 22: repeat_with_variation,
    23: five_words, 24: make_less_coherent,
}
