"""The `evaluation` section of params: which test sets, how many samples, how models decode, which judges."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..config import Section
from ..decoding import Decoding


class EvalSets(Section):
    """Test splits by task; held-in datasets were rewritten into PF-1M (unseen samples), held-out ones never."""
    captioning: tuple[str, ...]
    vqa_held_in: tuple[str, ...]
    vqa_held_out: tuple[str, ...]
    multi_image_held_in: tuple[str, ...]
    multi_image_held_out: tuple[str, ...]


class EvaluationParams(Section):
    sets: EvalSets
    samples_per_dataset: int | None = Field(ge=1, le=10_000_000, description="test samples per dataset, from the "
                                            "first; null: every test sample")
    captioning_instruction: str = Field(min_length=1, description="the detailed-captioning prompt (Table 1)")
    vqa_judge: Literal["exact", "nli"] = Field(description="exact: toyworld's checker; nli: scoring.nli's model")
    decoding: Decoding
