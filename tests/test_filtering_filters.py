"""Each filter's keep/drop, scores and reasons on hand-made records, with scripted STS and CLIP backends."""
import itertools

import pytest
from PIL import Image

from pfutils.filtering.config import ChangeFilter, ClipFilter, FilteringConfig, LengthFilter, NliFilter, StsFilter
from pfutils.filtering.filters import (change_decisions, clip_decisions, length_decisions, nli_decisions,
                                       record_problem, sts_decisions)
from pfutils.schema import sample
from pfutils.scoring.config import ScoringParams
from pfutils.scoring.nli import ExactNli, NliResult

IDS = itertools.count()


def rewritten(rewrite, draft="a red circle", category="captioning", **fields):
    """A rewritten record; the raw annotation (`response`) is the draft unless given."""
    fields = {"id": f"caps/train/{next(IDS)}", "dataset": "caps", "split": "train",
              "images": [Image.new("RGB", (8, 8))], "instruction": "Describe the image.", "response": draft, **fields}
    return {**sample(category=category, **fields),
            "draft": draft, "rewrite": rewrite}


class ScriptedSts:
    """Similarity looked up by the second text; records the pairs it was asked about."""

    def __init__(self, scores):
        self.scores, self.asked = scores, []

    def similarities(self, a, b):
        self.asked += list(zip(a, b))
        return [self.scores[t] for t in b]


class ScriptedClip:
    def __init__(self, scores):
        self.scores = scores

    def paragraph_scores(self, images, paragraphs):
        return [[self.scores[p] for p in group] for group in paragraphs]


def test_record_problems_are_named():
    assert record_problem(rewritten("The image shows a red circle.")) == ""
    assert record_problem({**rewritten("x"), "rewrite": None}) == "missing or non-text field 'rewrite'"
    no_draft = {k: v for k, v in rewritten("x").items() if k != "draft"}
    assert record_problem(no_draft) == "missing or non-text field 'draft'"
    assert record_problem(rewritten("   ")) == "empty rewrite"


def test_length_bounds_in_words():
    cfg = LengthFilter(min_words=3, max_words=6)
    decisions = length_decisions([rewritten("Two circles."), rewritten("There are two red circles."),
                                  rewritten("one two three four five six seven")], cfg)
    assert [d.keep for d in decisions] == [False, True, False]
    assert decisions[0].reason == "too short: 2 words < length.min_words 3"
    assert decisions[2].reason == "too long: 7 words > length.max_words 6"
    assert [d.fields["words"] for d in decisions] == [2, 5, 7]


def test_change_ignores_case_and_whitespace_only():
    records = [rewritten("A  red\nCircle", draft="a red circle"),
               rewritten("a photo of a cat.", draft="Answer: a photo of a cat", response="A photo of a cat."),
               rewritten("A red circle.", draft="a red circle")]
    decisions = change_decisions(records, ChangeFilter())
    assert [d.keep for d in decisions] == [False, False, True]
    assert decisions[0].reason == "not rewritten: identical to the draft"
    assert decisions[1].reason == "not rewritten: identical to the raw annotation"


def test_sts_applies_to_captioning_only_and_drops_below_threshold():
    sts = ScriptedSts({"close": 0.40, "far": 0.39, "vqa": 0.0})
    records = [rewritten("close"), rewritten("far"), rewritten("vqa", category="vqa_short")]
    decisions = sts_decisions(records, StsFilter(threshold=0.40), sts)
    assert [(d.keep, d.applied) for d in decisions] == [(True, True), (False, True), (True, False)]
    assert decisions[1].reason == "STS 0.3900 < sts.threshold 0.4"
    assert decisions[0].fields == {"sts_similarity": 0.40}
    assert sts.asked == [("a red circle", "close"), ("a red circle", "far")]  # draft first, rewrite second


def test_clip_drops_paragraphs_and_keeps_the_rest():
    clip = ScriptedClip({"Good one.": 25.0, "In addition, a ghost.": 12.5, "Bad one.": 3.0, "Worse.": 1.0})
    records = [rewritten("Good one.\n\nIn addition, a ghost."), rewritten("Bad one.\n\nWorse."),
               rewritten("Good one."), rewritten("Good one.\n\nWorse.", category="vqa_short")]
    decisions = clip_decisions(records, ClipFilter(threshold=17.0), clip)
    assert [(d.keep, d.applied) for d in decisions] == [(True, True), (False, True), (True, False), (True, False)]
    assert decisions[0].fields == {"output": "Good one.", "paragraph_clip_scores": [25.0],
                                   "filtered_paragraphs": [{"score": 12.5, "text": "In addition, a ghost."}]}
    assert decisions[1].reason == "all 2 paragraphs below clip.threshold 17.0 (best 3.0000)"
    [untouched] = clip_decisions([rewritten("Good one.\n  \n\nGood one. ")], ClipFilter(threshold=17.0), clip)
    assert untouched.fields["output"] == "Good one.\n  \n\nGood one. "  # nothing dropped: the text as written
    assert untouched.fields["paragraph_clip_scores"] == [25.0, 25.0] and untouched.fields["filtered_paragraphs"] == []


def test_clip_rejects_a_record_without_a_usable_image():
    records = [{**rewritten("A.\n\nB."), "images": []}, {**rewritten("A.\n\nB."), "images": [b"not decoded"]},
               {**rewritten("A.\n\nB."), "images": [{"bytes": b"not an image", "path": None}]}]
    decisions = clip_decisions(records, ClipFilter(), ScriptedClip({}))
    assert [d.reason for d in decisions[:2]] == ["no image for the CLIPScore filter",
                                                 "image is neither a PIL image nor a stored one (bytes)"]
    assert decisions[2].reason.startswith("unreadable image") and not decisions[2].keep


def test_nli_drops_contradictions_of_vqa_answers():
    fields = {"answer": "two", "answer_type": "number"}
    records = [rewritten("There are two circles in the image.", draft="2", category="vqa_short", **fields),
               rewritten("I count three circles.", draft="2", category="vqa_short", **fields),
               rewritten("I count three circles.", draft="2", category="captioning", **fields)]
    decisions = nli_decisions(records, NliFilter(), ExactNli())
    assert [(d.keep, d.applied) for d in decisions] == [(True, True), (False, True), (True, False)]
    assert decisions[1].reason == "NLI: the rewrite contradicts the original answer"
    assert decisions[1].fields == {"nli_label": "contradiction", "nli_similarity": []}


def test_nli_reads_the_pair_fields_and_keeps_logits():
    class Recording:
        def judge(self, items):
            self.items = items
            return [NliResult("entailment", (-1.0, 2.0, 0.5)) for _ in items]

    nli = Recording()
    record = rewritten("Yes, it is red.", draft="yes", category="vqa_rationale", answer="yes", answer_type="boolean")
    [decision] = nli_decisions([record], NliFilter(), nli)
    assert decision.fields == {"nli_label": "entailment", "nli_similarity": [-1.0, 2.0, 0.5]}
    [item] = nli.items
    assert (item.question, item.candidate, item.reference, item.answer) == ("Describe the image.", "Yes, it is red.",
                                                                            "yes", "yes")


def test_bad_parameters_name_their_key():
    with pytest.raises(ValueError, match="sts.threshhold"):
        FilteringConfig.model_validate({"sts": {"threshhold": 0.3}})
    with pytest.raises(ValueError, match="length"):
        FilteringConfig.model_validate({"length": {"min_words": 10, "max_words": 5}})
    with pytest.raises(ValueError, match="clip.threshold"):
        FilteringConfig.model_validate({"clip": {"threshold": 1000}})
    with pytest.raises(ValueError, match="nli.categories"):
        FilteringConfig.model_validate({"nli": {"categories": ["vqa"]}})
    assert (FilteringConfig().sts.threshold, FilteringConfig().clip.threshold) == (0.40, 17.0)
    with pytest.raises(ValueError, match="sts.model"):  # the models are the scoring section's
        FilteringConfig.model_validate({"sts": {"model": "sentence-transformers/all-mpnet-base-v2"}})
    with pytest.raises(ValueError, match="tokenizer"):
        ScoringParams.model_validate({"clip": {"backend": "local", "tokenizer": ""}})
    paper = ScoringParams.model_validate({"sts": {"model": "sentence-transformers/all-mpnet-base-v2"},
                                          "clip": {"backend": "open_clip", "model": "ViT-L-14-336",
                                                   "pretrained": "openai", "tokenizer": ""},
                                          "nli": {"backend": "cross_encoder"}})
    assert (paper.clip.backend, paper.nli.model) == ("open_clip", "cross-encoder/nli-deberta-v3-base")
