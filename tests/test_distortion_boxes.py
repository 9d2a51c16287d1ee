"""Captions & boxes drafts: the layout of the released PF-1M records, the preamble verbatim."""
import re

import numpy as np

from pfutils.distortion.boxes import BOXES_PREAMBLE, box_line, captions_and_boxes_text, distort_with_boxes

# Copied from the paper (Figure 4, Section 3.1) and LLaVA's GPT-4 system message.
PAPER_PREAMBLE = ("The followings are specific object locations within the image, along with detailed coordinates. "
                  "These coordinates are in the form of bounding boxes, represented as (x1, y1, x2, y2) with floating "
                  "numbers ranging from 0 to 1. These values correspond to the top left x, top left y, bottom right "
                  "x, and bottom right y.")
CAPTIONS = ["A person doing a trick on skis over a snow ramp.", "a man wearing skiis jumping up from a ramp "]
BOXES = [{"label": "person", "x1": 0.44, "y1": 0.17649, "x2": 0.5914, "y2": 0.316},
         {"label": "skis", "x1": 0.43, "y1": 0.121, "x2": 0.503, "y2": 1.0}]


def test_preamble_is_verbatim():
    assert BOXES_PREAMBLE == PAPER_PREAMBLE


def test_layout_matches_a_released_pf1m_record():
    expected = ("A person doing a trick on skis over a snow ramp.\na man wearing skiis jumping up from a ramp \n\n"
                + PAPER_PREAMBLE + "\nperson: [0.44, 0.176, 0.591, 0.316]\nskis: [0.43, 0.121, 0.503, 1.0]\n")
    assert captions_and_boxes_text(CAPTIONS, BOXES) == expected


def test_coordinates_have_at_most_three_decimals():
    line = box_line({"label": "circle", "x1": 0.123456, "y1": 0.0004, "x2": np.float32(0.9996), "y2": 2 / 3})
    assert line == "circle: [0.123, 0.0, 1.0, 0.667]"
    for number in re.findall(r"\d+\.\d+", line):
        assert len(number.split(".")[1]) <= 3


def test_draft_and_rejects():
    good = distort_with_boxes(CAPTIONS, BOXES)
    assert good.reject_reason == "" and good.operations == ("captions", "boxes") and good.command is None
    assert distort_with_boxes([], BOXES).reject_reason == "no captions"
    assert distort_with_boxes(CAPTIONS, None).reject_reason == "no boxes"
    assert distort_with_boxes(["ok", 3], BOXES).reject_reason == "a caption is empty or not a string"
    assert "without a label" in distort_with_boxes(CAPTIONS, [{"x1": 0, "y1": 0, "x2": 1, "y2": 1}]).reject_reason
    as_text = {"label": "a", "x1": "0", "y1": 0, "x2": 1, "y2": 1}
    too_wide = {"label": "a", "x1": 0, "y1": 0, "x2": 1.5, "y2": 1}
    assert "not numbers" in distort_with_boxes(CAPTIONS, [as_text]).reject_reason
    assert "outside [0, 1]" in distort_with_boxes(CAPTIONS, [too_wide]).reject_reason
    assert all(d.text is None for d in [distort_with_boxes([], BOXES), distort_with_boxes(CAPTIONS, [])])
