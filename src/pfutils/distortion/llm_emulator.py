"""LLM-instructed distortion without an LLM: the tiny profile's deterministic stand-in for Guanaco-33B.

It does what the Table 5 prompt asks, as text operations: first the base request ("keep only the most crucial
information ... a cold-hearted, non-talkative, socially inept robotic assistant"), which `compress` carries out
by dropping politeness, filler and hedges and keeping one to three content sentences or fragments; then, when a
command was drawn (probability 0.5, as in the paper), that command (`commands.COMMANDS`). Same rng, same draft.
"""
from __future__ import annotations

import random
import re
from typing import Sequence

from ..textstats import split_sentences
from .commands import COMMANDS, strip_end, tidy
from .distorter import Distortion, input_problem
from .prompts import choose_command
from .wordlists import ANSWER_FRAME, DIGITS, HEDGE_WORDS, LEADING_FILLERS, POLITE_SENTENCES, STOPWORDS, TRAILING_FILLERS

_LEADING = re.compile(r"^(?:(?:" + "|".join(LEADING_FILLERS) + r")\s*)+", re.IGNORECASE)
_TRAILING = re.compile("|".join(TRAILING_FILLERS), re.IGNORECASE)
_HEDGES = re.compile(r"\b(?:" + "|".join(HEDGE_WORDS) + r")\b\s*", re.IGNORECASE)
_SEEMS = re.compile(r"\b(?:appears|seems) to be\b|\bcan be seen\b", re.IGNORECASE)
_SEEM = re.compile(r"\b(?:appear|seem) to be\b", re.IGNORECASE)
_THERE_IS = re.compile(r",?\s*\b(?:there (?:is|are)|(?:we|you|i) can see)\s+", re.IGNORECASE)
_SUBORDINATE = re.compile(r",?\s+\b(?:because|which|since|while|so that|as they|as it)\b", re.IGNORECASE)
_YES_NO = re.compile(r"^(yes|no)\b", re.IGNORECASE)
_WH_QUESTION = re.compile(r"^\s*(?:what|which|who|whose|where|when|why|how)\b", re.IGNORECASE)
_COUNT_QUESTION = re.compile(r"^\s*how many\b", re.IGNORECASE)


def _core(sentence: str) -> str:
    """The sentence without its polite opener, hedges and trailing flourish ("..., creating a calm mood")."""
    sentence = _LEADING.sub("", sentence.strip())
    sentence = _TRAILING.sub("", strip_end(sentence))
    sentence = _THERE_IS.sub(" ", _SEEM.sub("are", _SEEMS.sub("is", sentence)))
    return tidy(_HEDGES.sub("", sentence)).strip(" ,:;")


def _cores(paragraph: str) -> list[str]:
    """The paragraph's sentences without filler; pure politeness and letterless pieces ("1.") dropped."""
    cores = []
    for sentence in split_sentences(paragraph):
        if any(phrase in sentence.lower() for phrase in POLITE_SENTENCES):
            continue
        core = _core(sentence)
        if re.search(r"[A-Za-z]{2}", core):
            cores.append(core)
    return cores


def answer_alone(question: str, sentence: str) -> str | None:
    """What an answer adds to its question: the content words of the answer's first clause that the question
    (its first line; a second one may list choices) does not already say, if there are one or two; else None.

    "What size is the orange cross?" answered "The orange cross is large." gives "large"; "How many crosses are
    in the image?" answered "There are three crosses in the image: ..." gives "three", and answered "There are no
    crosses in the image." gives "zero": a count is a number, even when the answer says "no".
    """
    first_line = question.strip().split("\n")[0]
    if not first_line.endswith("?"):
        return None
    asked = set(re.findall(r"[a-z0-9]+", first_line.lower()))
    clause = re.split(r"[:;,]", sentence, maxsplit=1)[0]
    new = [w for w in re.findall(r"[a-z0-9]+", clause.lower())
           if w not in asked and w not in STOPWORDS and w not in ANSWER_FRAME]
    if _COUNT_QUESTION.match(first_line):
        new = ["zero" if w in ("no", "none") else w for w in new]
    return " ".join(new) if 1 <= len(new) <= 2 else None


def compress(response: str, rng: random.Random, question: str = "", p_bare_answer: float = 0.5,
             p_digits: float = 0.5) -> str:
    """The response cut down to its most crucial information in a cold, terse style ("" if nothing is left).

    Pure politeness ("I hope this helps!") goes and every sentence loses its filler. With probability
    `p_bare_answer`, an answer that starts with yes or no becomes just that word, as VQA annotations are (unless
    the question asks what, how many, ...: "no such objects" answers a count, it is "zero"), and an answer to a
    `question` otherwise becomes what it adds to the question ("large", "three", or "3", numbers as
    digits with probability `p_digits`): the highest compression the request allows. Otherwise one to three
    sentences of the first paragraph are kept in order, never all of several, the first (where answers put
    the asked-for fact) with probability 0.7 at least; later paragraphs ("In addition, ...") are the less
    important content: one of their sentences joins with probability 0.3. Each kept sentence loses its
    subordinate clause ("because ...", "which ...") half of the time. The draft is then written as
    sentences or as comma-separated fragments, maybe lowercased, maybe without a final period.
    """
    first, *rest = re.split(r"\n\s*\n", response.strip())
    main, extra = _cores(first), [c for paragraph in rest for c in _cores(paragraph)]
    if not main:
        main, extra = extra, []
    if not main:
        return ""
    if (answer := _YES_NO.match(main[0])) and not _WH_QUESTION.match(question) and rng.random() < p_bare_answer:
        chosen = [answer.group(1)]
    elif (alone := answer_alone(question, main[0])) and rng.random() < p_bare_answer:
        chosen = [" ".join(DIGITS.get(w, w) for w in alone.split()) if rng.random() < p_digits else alone]
    else:
        k = rng.randint(1, min(3, max(1, len(main) - 1)))
        if rng.random() < 0.7:
            picked = [0] + rng.sample(range(1, len(main)), k - 1)
        else:
            picked = rng.sample(range(len(main)), k)
        chosen = [main[i] for i in sorted(picked)]
        if extra and rng.random() < 0.3:
            chosen.append(rng.choice(extra))
        chosen = [_SUBORDINATE.split(c, 1)[0] if rng.random() < 0.5 else c for c in chosen]
    if rng.random() < 0.5:
        draft = ", ".join(c[:1].lower() + c[1:] for c in chosen)
    else:
        draft = ". ".join(c[:1].upper() + c[1:] for c in chosen)
    if rng.random() < 0.5:
        draft = draft.lower()
    if rng.random() < 0.5:
        draft += "."
    return draft


class EmulatedDistorter:
    """The `emulator` backend: `compress`, then the drawn command; rejects only unusable input."""

    def __init__(self, p_command: float = 0.5, p_bare_answer: float = 0.5, p_digits: float = 0.5):
        self.p_command, self.p_bare_answer, self.p_digits = p_command, p_bare_answer, p_digits

    def distort(self, pairs: Sequence[tuple[str, str]], rng: random.Random) -> list[Distortion]:
        return [self.distort_one(instruction, response, rng) for instruction, response in pairs]

    def distort_one(self, instruction: str, response: str, rng: random.Random) -> Distortion:
        problem = input_problem(instruction, response)
        if problem:
            return Distortion.rejected(problem)
        command = choose_command(rng, self.p_command)
        draft = compress(response, rng, instruction, self.p_bare_answer, self.p_digits)
        operations = ("compress",)
        if not draft:
            return Distortion.rejected("nothing left after compression (only politeness)", command, operations)
        if command is not None:
            operation = COMMANDS[command]
            draft = operation(draft, rng)
            operations += (operation.__name__,)
        if not draft.strip():
            return Distortion.rejected("empty draft after the command", command, operations)
        return Distortion(draft, command, operations)
