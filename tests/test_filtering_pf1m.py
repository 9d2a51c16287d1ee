"""PF-1M export in the released schema, and back: texts, images and scores survive; bad rows become rejects."""
import json

import numpy as np
import pytest
from PIL import Image

from pfutils.filtering.config import FilteringConfig
from pfutils.filtering.pf1m import (RELEASED_FIELDS, export_pf1m, image_path, pf1m_dataset, read_pf1m, released_input,
                                    split_released_input)
from pfutils.filtering.pipeline import Backends, run_filters
from pfutils.scoring.nli import NliResult
from test_filtering_filters import ScriptedClip, ScriptedSts, rewritten

FIRST, SECOND, GHOST = "A red circle sits on the left.", "A blue square is on the right.", "In addition, a ghost."


class Logits:
    def judge(self, items):
        return [NliResult("entailment", (-2.0, 3.123456, 0.5)) for _ in items]


def noise_image(seed, size=(10, 8)):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (*size[::-1], 3), dtype=np.uint8))


@pytest.fixture
def kept():
    records = [
        {**rewritten(f"{FIRST}\n\n{SECOND}\n\n{GHOST}", draft="red circle. blue square", dataset="coco_like",
                   images=[noise_image(0)]),
         "id": "coco_like/train/0"},
        {**rewritten("There are two circles in the picture.", draft="2", category="vqa_short", answer="two",
                     answer_type="number", dataset="vqav2_like", images=[noise_image(1)]), "id": "vqav2_like/train/0"},
        {**rewritten("The second image has a new red cross.", draft="red cross added", category="change_captioning",
                     dataset="spotdiff_like", images=[noise_image(2), noise_image(3, (6, 6))]),
         "id": "spotdiff_like/train/0"},
    ]
    sts = ScriptedSts({f"{FIRST}\n\n{SECOND}\n\n{GHOST}": 0.7, f"{FIRST}\n\n{SECOND}": 0.75})
    clip = ScriptedClip({FIRST: 25.0, SECOND: 21.0, GHOST: 12.0})
    result = run_filters(records, FilteringConfig(), Backends(sts=sts, clip=clip, nli=Logits()))
    assert not result.rejects
    return result.kept


def fake_reward(instructions, responses):
    return [len(r) / 10 for r in responses]


def test_input_carries_image_paths_inline():
    text = released_input("What is this?", ["a/b.jpg", "c.png"])
    assert text == "What is this?<img_path>a/b.jpg<img_path><img_path>c.png<img_path>"
    assert split_released_input(text) == ("What is this?", ["a/b.jpg", "c.png"])


def test_export_fields_match_the_released_schema(kept, tmp_path):
    export_pf1m(kept, tmp_path / "pf1m.json", tmp_path / "images", reward=fake_reward)
    caption, vqa, change = json.loads((tmp_path / "pf1m.json").read_text())
    for row in (caption, vqa, change):
        assert set(row) <= set(RELEASED_FIELDS)
        assert {"input", "output", "original", "rouge_score", "reward"} <= set(row)
        assert all(isinstance(row[k], str) for k in ("input", "output", "original"))
    assert set(caption) - {"input", "output", "original", "rouge_score", "reward"} == {
        "sts_similarity", "filtered_paragraphs", "paragraph_clip_scores"}
    instruction, (path,) = split_released_input(caption["input"])
    assert instruction == "Describe the image." and path == image_path(kept[0]["images"][0], "coco_like")
    assert caption["output"] == f"{FIRST}\n\n{SECOND}"
    assert caption["filtered_paragraphs"] == [[12.0, GHOST]] and caption["paragraph_clip_scores"] == [25.0, 21.0]
    assert caption["sts_similarity"] == 0.75 and caption["original"] == "red circle. blue square"
    assert caption["reward"] == round(len(caption["output"]) / 10, 4)
    assert set(vqa) - {"input", "output", "original", "rouge_score", "reward"} == {"nli_similarity"}
    assert vqa["nli_similarity"] == [-2.0, 3.1235, 0.5]
    assert change["input"].count("<img_path>") == 4 and set(change) == {"input", "output", "original", "rouge_score",
                                                                        "reward"}
    assert (tmp_path / "images" / split_released_input(change["input"])[1][1]).is_file()


def test_an_image_many_records_use_is_written_once(kept, tmp_path):
    shared = [{**record, "dataset": "gqa_like", "images": [kept[0]["images"][0]] * len(record["images"])}
              for record in kept]
    export_pf1m(shared, tmp_path / "pf1m.json", tmp_path / "images", reward=fake_reward)
    assert [p.relative_to(tmp_path / "images").as_posix() for p in (tmp_path / "images").rglob("*.png")] == \
        [image_path(kept[0]["images"][0], "gqa_like")]


def test_round_trip_gives_the_same_texts_images_and_scores(kept, tmp_path):
    export_pf1m(kept, tmp_path / "pf1m.json", tmp_path / "images", reward=fake_reward)
    records, rejects = read_pf1m(tmp_path / "pf1m.json", tmp_path / "images")
    assert rejects == []
    for before, after in zip(kept, records):
        assert (after["instruction"], after["output"], after["draft"]) == (before["instruction"], before["output"],
                                                                           before["draft"])
        assert after["dataset"] == before["dataset"]
        assert [np.array(i).tolist() for i in after["images"]] == [np.array(i).tolist() for i in before["images"]]
        assert after["rouge_score"] == pytest.approx(before["rouge_score"], abs=1e-4)
    assert [r["category"] for r in records] == ["captioning", "vqa_short", ""]
    assert records[0]["filtered_paragraphs"] == [{"score": 12.0, "text": GHOST}]
    assert records[1]["nli_label"] == "entailment"
    again = tmp_path / "again.json"
    export_pf1m(records, again, tmp_path / "images2")  # released rewards are kept: no reward model needed
    for first, second in zip(json.loads((tmp_path / "pf1m.json").read_text()), json.loads(again.read_text())):
        assert split_released_input(first.pop("input"))[0] == split_released_input(second.pop("input"))[0]
        assert first == second  # image paths follow the new ids; everything else is identical


def test_kept_and_imported_records_fit_the_dataset_features(kept, tmp_path):
    table = pf1m_dataset(kept)
    assert table.num_rows == 3 and table[0]["filtered_paragraphs"][0]["text"] == GHOST
    assert table[2]["sts_similarity"] is None
    export_pf1m(kept, tmp_path / "pf1m.json", tmp_path / "images", reward=fake_reward)
    records, _ = read_pf1m(tmp_path / "pf1m.json", tmp_path / "images")
    assert pf1m_dataset(records)[1]["reward"] == pytest.approx(fake_reward([], [kept[1]["output"]])[0])


def test_missing_reward_model_and_bad_rows_are_reported(kept, tmp_path):
    with pytest.raises(ValueError, match="no reward"):
        export_pf1m(kept, tmp_path / "pf1m.json", tmp_path / "images")
    rows = [{"input": "What is it?<img_path>gone/1.jpg<img_path>", "output": "A cat.", "original": "cat",
             "rouge_score": 0.5, "reward": 1.0},
            {"input": "Text only question.", "output": "Sure.", "original": "ok", "rouge_score": 0.0, "reward": 0.2},
            {"output": "no input"}, {"input": "Q?", "output": "A.", "original": "a"}]
    (tmp_path / "released.json").write_text(json.dumps(rows))
    records, rejects = read_pf1m(tmp_path / "released.json", tmp_path / "images")
    assert [r["id"] for r in records] == ["text_only/train/1"] and records[0]["images"] == []
    assert [(r["id"], r["stage"], r["reason"]) for r in rejects] == [
        ("gone/train/0", "import", "missing image gone/1.jpg"),
        ("unknown/train/2", "import", "missing or non-text field 'input'"),
        ("unknown/train/3", "import", "missing or non-numeric field 'rouge_score'")]


def test_a_released_style_captioning_row_is_read(tmp_path):
    """Structure of the authors' README example (COCO, one paragraph filtered), with our own texts."""
    path = "mscoco_2014/train2014/COCO_train2014_000000000001.jpg"
    (tmp_path / path).parent.mkdir(parents=True)
    noise_image(4).save(tmp_path / path)
    row = {"input": f"Describe the following image in detail<img_path>{path}<img_path>",
           "output": "A skier jumps off a snow ramp.", "rouge_score": 0.2286,
           "filtered_paragraphs": [[16.0191, "Additionally, two people watch."]], "paragraph_clip_scores": [23.2587],
           "sts_similarity": 0.4137, "original": "a man on skis jumps\n\nThe followings are ...", "reward": 4.571}
    (tmp_path / "released.json").write_text(json.dumps([row]))
    [record], rejects = read_pf1m(tmp_path / "released.json", tmp_path)
    assert rejects == [] and record["id"] == "mscoco_2014/train/0" and record["category"] == "captioning"
    assert record["instruction"] == "Describe the following image in detail" and record["images"][0].size == (10, 8)
    assert record["filtered_paragraphs"] == [{"score": 16.0191, "text": "Additionally, two people watch."}]
    assert pf1m_dataset([record])[0]["paragraph_clip_scores"] == [pytest.approx(23.2587)]
