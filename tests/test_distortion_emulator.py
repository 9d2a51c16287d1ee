"""The emulator: `compress` carries out the base request, and each of the 24 commands does what it says."""
import difflib
import random
import re
import string

import pytest

from pfutils.distortion.commands import COMMANDS
from pfutils.distortion.distorter import llm_distorter
from pfutils.distortion.llm_emulator import EmulatedDistorter, answer_alone, compress
from pfutils.distortion.prompts import DISTORTION_COMMANDS
from pfutils.distortion.wordlists import (AMBIGUITY_CLAUSES, CASUAL_OPENERS, INCOHERENT_CONNECTORS, IRRELEVANT,
                                          METAPHORS, SOPHISTICATED_OPENERS, STOPWORDS, SYNONYMS, VERBOSE_OPENERS)
from pfutils.textstats import split_sentences, words

POLITE = ("Certainly! The image shows a large red circle in the top left corner and a small blue square at the "
          "center. The circle appears to be bright and clearly stands out against the background.\n\n"
          "In addition, the background is black, which creates a strong contrast. I hope this helps!")
DRAFT = "A large red circle is in the top left corner. A small blue square is at the center. The background is black."


def run(command: int, text: str, seed: int = 0) -> str:
    return COMMANDS[command](text, random.Random(seed))


def norm(text: str) -> list[str]:
    return [w.lower() for w in words(text)]


# --- compress: the base request ----------------------------------------------------------------------------------

def test_compress_drops_politeness_and_filler_and_keeps_content():
    for seed in range(30):
        draft = compress(POLITE, random.Random(seed))
        low = draft.lower()
        assert draft and len(draft) < len(POLITE)
        for filler in ("certainly", "the image shows", "i hope", "in addition", "appears to be", "clearly",
                       "which creates"):
            assert filler not in low
        assert "circle" in low or "square" in low or "background" in low


def test_compress_is_deterministic_and_varies_its_style():
    drafts = [compress(POLITE, random.Random(seed)) for seed in range(40)]
    assert drafts == [compress(POLITE, random.Random(seed)) for seed in range(40)]
    assert any(d == d.lower() for d in drafts) and any(d != d.lower() for d in drafts)
    assert any(d.endswith(".") for d in drafts) and any(not d.endswith(".") for d in drafts)


def test_compress_of_pure_politeness_is_empty():
    assert compress("Sure! I hope this helps. Let me know if you have any other questions!", random.Random(0)) == ""


def test_answer_alone_is_what_the_answer_adds_to_the_question():
    assert answer_alone("What size is the orange cross?", "The orange cross is large") == "large"
    assert answer_alone("How many crosses are in the image?", "There are three crosses in the image: the a") == "three"
    assert answer_alone("What shape is below the green cross?", "It is a triangle: the yellow one") == "triangle"
    assert answer_alone("Which fruit is blue?\nChoices: plum, blueberry", "The answer is blueberry") == "blueberry"
    assert answer_alone("Describe the image.", "The image shows a red circle") is None  # not a question
    assert answer_alone("What is in the image?", "A large red circle sits in the top left corner") is None  # long
    assert answer_alone("How many crosses are in the image?", "no crosses in the image") == "zero"
    assert answer_alone("How many red shapes are there?", "no red objects in the image") == "zero objects"


def test_compress_answers_a_count_of_zero_with_a_number_never_with_no():
    answer = "Sure. There are no such objects in the image."
    drafts = {compress(answer, random.Random(seed), "How many objects are not squares?") for seed in range(60)}
    bare = {d.rstrip(".").lower() for d in drafts if len(d.split()) == 1}
    assert bare == {"zero", "0"}
    # a yes/no question still gets its bare yes or no
    yes_no = {compress("No, there is no red cross.", random.Random(seed), "Is there a red cross?") for seed in range(20)}
    assert {d.rstrip(".").lower() for d in yes_no if len(d.split()) == 1} == {"no"}


def test_compress_answers_a_question_with_its_answer_alone_sometimes_as_digits():
    answer = "Sure. There are three crosses in the image: the red cross on the left and the two blue crosses."
    drafts = {compress(answer, random.Random(seed), "How many crosses are in the image?") for seed in range(60)}
    bare = {d.rstrip(".").lower() for d in drafts if len(d.split()) == 1}
    assert bare == {"three", "3"}
    assert any(len(d.split()) > 3 for d in drafts)  # and sentences the rest of the time
    assert not any(len(d.split()) == 1 for d in (compress(answer, random.Random(s)) for s in range(60)))


# --- the 24 commands ------------------------------------------------------------------------------------------------

def test_every_command_exists_once_per_table_5_entry():
    assert sorted(COMMANDS) == list(range(1, len(DISTORTION_COMMANDS) + 1))


def test_1_removes_all_punctuation_and_capitalization():
    out = run(1, "The circle's colour: red, bright-ish! Is it? Yes.")
    assert not any(c in string.punctuation for c in out) and out == out.lower()
    assert out == "the circles colour red bright ish is it yes"


def test_2_adds_a_few_typos():
    for seed in range(20):
        out = run(2, DRAFT, seed)
        before, after = DRAFT.split(), out.split()
        assert len(before) == len(after)
        changed = [(a, b) for a, b in zip(before, after) if a != b]
        assert 1 <= len(changed) <= 3
        assert all(abs(len(a) - len(b)) <= 1 and difflib.SequenceMatcher(None, a, b).ratio() > 0.6
                   for a, b in changed)


def test_3_adds_grammatical_errors():
    def canonical(text):
        text = re.sub(r"\b(?:a|an|the)\b", "", text.lower())
        return re.sub(r"\bare\b", "is", " ".join(text.split()))
    for seed in range(20):
        out = run(3, DRAFT, seed)
        assert out != DRAFT
        assert canonical(out) == canonical(DRAFT)  # only articles and agreement were touched
    assert run(3, "red circle top left").count("an ") == 1  # nothing to break: a wrong article appears


def test_4_removes_random_words_and_sentences():
    for seed in range(20):
        out = run(4, DRAFT, seed)
        assert len(split_sentences(out)) < len(split_sentences(DRAFT))
        kept, original = out.split(), DRAFT.split()
        assert 0 < len(kept) < len(original) - 3
        matcher = difflib.SequenceMatcher(None, original, kept)
        assert sum(block.size for block in matcher.get_matching_blocks()) == len(kept)  # a subsequence


def test_5_uppercases_and_6_lowercases():
    assert run(5, DRAFT) == DRAFT.upper() and run(5, DRAFT).isupper()
    assert run(6, DRAFT) == DRAFT.lower()


def test_7_replaces_certain_words_with_synonyms():
    text = "A large red circle and a small blue square are in the image."
    for seed in range(10):
        out = run(7, text, seed)
        gone = [w for w in norm(text) if w in SYNONYMS and w not in norm(out)]
        assert gone and len(gone) < sum(w in SYNONYMS for w in norm(text))  # some, not all
        assert any(syn in out.lower() for w in gone for syn in SYNONYMS[w])


def test_8_inserts_repetition():
    for seed in range(20):
        out = norm(run(8, DRAFT, seed))
        assert len(out) > len(norm(DRAFT))
        repeated = any(out[i:i + n] == out[i + n:i + 2 * n] for n in (1, 2, 3) for i in range(len(out) - 2 * n + 1))
        assert repeated


def test_9_rearranges_sentence_structure_keeping_the_words():
    out = run(9, DRAFT)
    assert sorted(norm(out)) == sorted(norm(DRAFT)) and norm(out) != norm(DRAFT)
    assert out.startswith("In the top left corner, a large red circle is.")


def test_10_uses_incorrect_tenses():
    text = "The circle is red and the squares are blue. It has four sides and shows a cross."
    for seed in range(10):
        out = norm(run(10, text, seed))
        assert not {"is", "are", "has", "shows"} & set(out)
        assert {"was", "were", "be"} & set(out) and {"had", "have"} & set(out)
    assert norm(run(10, "red circle top left")) == ["red", "were", "circle", "top", "left"]


def test_11_adds_verbosity():
    out = run(11, DRAFT)
    assert out.startswith(VERBOSE_OPENERS) and len(out.split()) >= len(DRAFT.split()) + 15
    assert re.search(r"\b(?:very|rather|truly|quite) (?:large|small|red|blue|black)\b", out)


def test_12_is_as_short_as_possible():
    for seed in range(10):
        out = norm(run(12, DRAFT, seed))
        assert 1 <= len(out) <= 6 and not set(out) & STOPWORDS
        assert set(out) <= set(norm(split_sentences(DRAFT)[0]))


def test_13_keeps_essentials_separated_by_commas():
    out = run(13, DRAFT)
    assert out == "large red circle, top left corner, small blue square, center, background, black"


def test_14_removes_formatting():
    markdown = "## Shapes\n\n- **Square**: four sides\n* _Circle_ is round\n1. `Cross` has [twelve corners](http://x.y)"
    out = run(14, markdown)
    assert "\n" not in out and not set("#*`[]()") & set(out) and not re.search(r"(^|\s)(-|1\.)\s", out)
    assert out == "Shapes Square: four sides Circle is round Cross has twelve corners"


def test_15_rewrites_sentences_with_synonyms():
    text = "A red circle sits in the image. A triangle is near the background."
    for seed in range(10):
        out = run(15, text, seed)
        assert not {"red", "circle", "sits", "triangle", "near", "background"} & set(norm(out))
        assert norm(out)[:1] != norm(text)[:1]  # sentences were restructured as well


def test_16_reverses_the_order_of_sentences():
    assert run(16, DRAFT) == ("The background is black. A small blue square is at the center. "
                              "A large red circle is in the top left corner.")
    assert run(16, "red circle, blue square and black background") == "black background, blue square, red circle"


def test_17_is_casual_and_unprofessional():
    out = run(17, "It is a red circle. There is a blue square.")
    assert out == out.lower() and out.startswith(CASUAL_OPENERS)
    assert "it's" in out and "there's" in out
    assert re.search(r"\b(?:kinda|like|pretty much|sorta)\b", out)


def test_18_makes_the_language_sophisticated():
    out = run(18, "A large circle and a small square. The image shows many shapes.")
    assert out.startswith(SOPHISTICATED_OPENERS)
    assert {"considerable", "diminutive", "portrays", "multitude"} <= set(norm(out))
    assert not {"large", "small", "shows", "many"} & set(norm(out))


def test_19_adds_ambiguity():
    out = run(19, DRAFT)
    assert any(clause.strip(", ") in out for clause in AMBIGUITY_CLAUSES)
    assert re.search(r"\(or |, or ", out)
    hedged = run(19, "yes definitely")
    assert re.search(r"\b(?:possibly|perhaps|arguably|what might be)\b", hedged)


def test_20_adds_an_unconventional_metaphor():
    out = run(20, DRAFT)
    sentences = split_sentences(out)
    added = [s for s in sentences if s not in split_sentences(DRAFT)]
    assert len(added) == 1 and len(sentences) == 4
    assert any(re.fullmatch(m.format(x=r"(circle|square|background)") + r"\.", added[0], re.IGNORECASE)
               for m in METAPHORS)


def test_21_adds_irrelevant_information():
    out = run(21, DRAFT)
    assert sum(fact in out for fact in IRRELEVANT) == 1
    assert [s for s in split_sentences(out) if s not in IRRELEVANT] == split_sentences(DRAFT)


def test_22_repeats_one_sentence_with_slight_changes():
    for seed in range(10):
        out = split_sentences(run(22, DRAFT, seed))
        original = split_sentences(DRAFT)
        assert 2 <= len(out) - len(original) <= 4
        added = [s for s in out if s not in original]
        assert added, out
        for variant in added:
            ratio = max(difflib.SequenceMatcher(None, norm(variant), norm(s)).ratio() for s in original)
            assert 0.6 < ratio < 1.0


def test_23_uses_exactly_five_words():
    for text in (DRAFT, POLITE, "yes", "a b"):
        assert len(run(23, text).split()) == 5
    assert run(23, DRAFT) == "large red circle top left"


def test_24_is_less_coherent():
    for seed in range(10):
        out = run(24, DRAFT, seed)
        assert out != DRAFT and any(c in out for c in INCOHERENT_CONNECTORS)
        content = lambda t: {w for w in norm(t) if w not in STOPWORDS}
        assert content(out) >= content(DRAFT)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_deterministic_and_survives_odd_input(command):
    for text in (DRAFT, compress(POLITE, random.Random(command)), "yes", "!!!", "1. 2.", "a"):
        out = run(command, text, seed=7)
        assert isinstance(out, str) and out == run(command, text, seed=7)


# --- the backend ----------------------------------------------------------------------------------------------------

def test_emulator_rejects_bad_input_and_keeps_the_batch_going():
    results = EmulatedDistorter().distort([("Q", POLITE), ("Q", ""), ("Q", None), (3, "x"), ("Q", "Thank you!"),
                                           ("Q", DRAFT)], random.Random(0))
    reasons = [r.reject_reason for r in results]
    assert reasons[0] == "" and results[0].text
    assert reasons[1] == "empty response" and reasons[2] == "response is NoneType, not str"
    assert reasons[3] == "instruction is int, not str" and reasons[4].startswith("nothing left")
    assert reasons[5] == "" and all((r.text is None) == bool(r.reject_reason) for r in results)


def test_emulator_applies_the_command_it_draws():
    pairs = [("Describe the image.", POLITE)] * 200
    results = EmulatedDistorter().distort(pairs, random.Random(1))
    with_command = [r for r in results if r.command is not None]
    assert 70 < len(with_command) < 130
    for r in results:
        expected = ("compress",) if r.command is None else ("compress", COMMANDS[r.command].__name__)
        assert r.operations == expected
    assert results == EmulatedDistorter().distort(pairs, random.Random(1))
    assert all(r.command is None for r in EmulatedDistorter(p_command=0.0).distort(pairs[:20], random.Random(0)))
    assert all(r.command for r in EmulatedDistorter(p_command=1.0).distort(pairs[:20], random.Random(0)))


def test_backend_is_chosen_by_parameter():
    assert isinstance(llm_distorter("emulator", p_command=0.25), EmulatedDistorter)
    with pytest.raises(ValueError, match=r"distortion.llm.backend must be one of \('hf', 'emulator'\)"):
        llm_distorter("openai")
