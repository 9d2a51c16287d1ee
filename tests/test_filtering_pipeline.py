"""run_filters: the paper's order, the funnel of Figure 10, rejects never lost, the released score fields."""
import json

import open_clip
import pytest
import torch

from pfutils.filtering.config import FilteringConfig
from pfutils.filtering.pipeline import Backends, backends_from_config, run_filters
from pfutils.scoring.config import ScoringParams
from pfutils.pretrain.clip import clip_config, save_clip
from pfutils.pretrain.tokenizer import train_tokenizer
from pfutils.scoring.clipscore import ClipScorer
from pfutils.scoring.nli import ExactNli
from pfutils.scoring.rouge import rouge_l
from pfutils.scoring.sts import SentenceSimilarity
from pfutils.toyworld.sources import World, make_sample
from test_filtering_filters import ScriptedClip, ScriptedSts, rewritten

TRIMMED = "A red circle sits on the left."
HALLUCINATED = "In addition, a purple cross hides at the top."


def batch():
    vqa = {"category": "vqa_short", "answer": "two", "answer_type": "number"}
    return [
        {**rewritten("anything"), "id": "bad", "rewrite": None},
        {**rewritten("Red."), "id": "short"},
        {**rewritten("Red", draft="red"), "id": "short_and_unchanged"},
        {**rewritten("A red circle on white", draft="a red circle on white"), "id": "unchanged"},
        {**rewritten("Stocks fell sharply after earnings."), "id": "drift"},
        {**rewritten(f"{TRIMMED}\n\n{HALLUCINATED}"), "id": "trim"},
        {**rewritten(f"{HALLUCINATED}\n\nIn the background, ghosts."), "id": "ghost"},
        {**rewritten("I count three circles here.", draft="2", dataset="vqa", **vqa), "id": "wrong"},
        {**rewritten("There are two circles in the picture.", draft="2", dataset="vqa", **vqa), "id": "right"},
        {**rewritten("This is a photo of a circle.", draft="a photo of a circle.", dataset="cls",
                     category="classification"), "id": "class"},
    ]


def scripted_backends():
    sts = ScriptedSts({"Stocks fell sharply after earnings.": 0.1, f"{TRIMMED}\n\n{HALLUCINATED}": 0.8,
                       f"{HALLUCINATED}\n\nIn the background, ghosts.": 0.7, TRIMMED: 0.9})
    clip = ScriptedClip({TRIMMED: 24.0, HALLUCINATED: 11.0, "In the background, ghosts.": 5.0})
    return Backends(sts=sts, clip=clip, nli=ExactNli())


@pytest.fixture
def result():
    return run_filters(batch(), FilteringConfig(), scripted_backends())


def test_every_record_is_kept_or_rejected_once(result):
    kept, rejects, _ = result
    ids = [r["id"] for r in kept] + [r["id"] for r in rejects]
    assert sorted(ids) == sorted(r["id"] for r in batch())


def test_rejects_name_the_first_filter_that_fails_and_why(result):
    stages = {r["id"]: (r["stage"], r["reason"]) for r in result.rejects}
    assert stages == {
        "bad": ("input", "missing or non-text field 'rewrite'"),
        "short": ("length", "too short: 1 words < length.min_words 3"),
        "short_and_unchanged": ("length", "too short: 1 words < length.min_words 3"),
        "unchanged": ("change", "not rewritten: identical to the draft"),
        "drift": ("sts", "STS 0.1000 < sts.threshold 0.4"),
        "ghost": ("clip", "all 2 paragraphs below clip.threshold 17.0 (best 11.0000)"),
        "wrong": ("nli", "NLI: the rewrite contradicts the original answer"),
    }
    ghost = next(r for r in result.rejects if r["id"] == "ghost")
    assert ghost["applied_filters"] == ["length", "change", "sts", "clip"]  # the rejecting filter last
    assert json.loads(ghost["scores"])["filtered_paragraphs"][1] == {"score": 5.0, "text": "In the background, ghosts."}


def test_kept_records_carry_the_released_scores(result):
    kept = {r["id"]: r for r in result.kept}
    assert list(kept) == ["trim", "right", "class"]
    trim = kept["trim"]
    assert trim["output"] == TRIMMED
    assert trim["filtered_paragraphs"] == [{"score": 11.0, "text": HALLUCINATED}]
    assert trim["paragraph_clip_scores"] == [24.0]
    assert trim["sts_similarity"] == 0.9  # re-scored on the output after paragraph filtering
    assert trim["rouge_score"] == pytest.approx(rouge_l(trim["draft"], trim["rewrite"]))  # before paragraph filtering
    assert trim["applied_filters"] == ["length", "change", "sts", "clip"]
    assert kept["right"]["nli_label"] == "entailment"
    assert kept["right"]["applied_filters"] == ["length", "change", "nli"]
    assert kept["class"]["sts_similarity"] is None and kept["class"]["applied_filters"] == ["length", "change"]
    assert kept["class"]["reward"] is None and kept["class"]["output"] == kept["class"]["rewrite"]


def test_funnel_counts_per_stage_and_dataset(result):
    rows = {(r["stage"], r["dataset"]): (r["entered"], r["applied"], r["dropped"], r["kept"]) for r in result.funnel}
    assert [(r["stage"], r["dataset"]) for r in result.funnel] == [
        (stage, dataset) for stage in ("input", "length", "change", "sts", "clip", "nli")
        for dataset in ("caps", "cls", "vqa")]
    assert rows["input", "caps"] == (7, 7, 1, 6)
    assert rows["length", "caps"] == (6, 6, 2, 4)
    assert rows["change", "caps"] == (4, 4, 1, 3)
    assert rows["sts", "caps"] == (3, 3, 1, 2)
    assert rows["clip", "caps"] == (2, 2, 1, 1)
    assert rows["nli", "caps"] == (1, 0, 0, 1)
    assert rows["nli", "vqa"] == (2, 2, 1, 1)
    assert rows["sts", "cls"] == (1, 0, 0, 1)


def test_a_disabled_filter_is_skipped_and_a_missing_backend_is_named():
    config = FilteringConfig.model_validate({"sts": {"enabled": False}})
    backends = scripted_backends()
    kept, _, funnel = run_filters(batch(), config, Backends(sts=None, clip=backends.clip, nli=backends.nli))
    assert "drift" in [r["id"] for r in kept] and "sts" not in {r["stage"] for r in funnel}
    with pytest.raises(ValueError, match="filtering.clip is enabled"):
        run_filters(batch(), FilteringConfig(), Backends(sts=backends.sts, nli=backends.nli))


def test_real_tiny_backends_from_config(tmp_path):
    """The tiny profile's backends built from parameters: packaged MiniLM, a local CLIP, the exact checker."""
    world = World()
    sources = [make_sample(name, "train", i, 0, world) for name in ("coco_like", "vqav2_like") for i in range(3)]
    tokenizer = train_tokenizer([s["response"] for s in sources], vocab_size=300, model_max_length=16)
    cfg = clip_config(image_size=12, patch_size=6, width=16, layers=1, heads=2, text_width=16, text_layers=1,
                      text_heads=2, embed_dim=8, vocab_size=len(tokenizer), context_length=16)
    torch.manual_seed(0)
    save_clip(open_clip.CLIP(**cfg), cfg, tmp_path / "clip")
    tokenizer.save_pretrained(tmp_path / "tokenizer")
    config = FilteringConfig()
    scoring = ScoringParams.model_validate({"clip": {"model": str(tmp_path / "clip"),
                                                     "tokenizer": str(tmp_path / "tokenizer")}})
    backends = backends_from_config(config, scoring, device="cpu")
    assert isinstance(backends.sts, SentenceSimilarity) and isinstance(backends.clip, ClipScorer)
    assert isinstance(backends.nli, ExactNli)
    records = [{**s, "draft": s["response"],
                "rewrite": f"Certainly! {s['response']}.\n\nIn addition, it is a nice picture."}
               for s in sources]
    kept, rejects, funnel = run_filters(records, config, backends)
    assert len(kept) + len(rejects) == len(records)
    assert sum(r["applied"] for r in funnel if r["stage"] == "clip") == 3
