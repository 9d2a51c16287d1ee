"""Parameters of the PF-1M filters (the `filtering` section of params.yaml).

Thresholds and scopes only: the models the STS, CLIPScore and NLI filters score with are the `scoring` section's
(`pfutils.scoring.config`), which other stages read too. Defaults are the paper's thresholds.

The paper gives no word bounds for the length filter; ours drop one- or two-word rewrites (a raw answer left
as is) and runaway repetition. Which categories a model-based filter reads follows Figure 10: STS and CLIPScore
on captioning, NLI on VQA (with and without rationale); a list in each section says so and can be widened.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..config import Section
from ..schema import CATEGORIES

Category = Literal[CATEGORIES]


class LengthFilter(Section):
    """Drop rewrites shorter than `min_words` or longer than `max_words` words."""
    enabled: bool = True
    min_words: int = Field(3, ge=0, le=100_000)
    max_words: int = Field(400, ge=1, le=100_000)

    @model_validator(mode="after")
    def _range(self):
        if self.min_words > self.max_words:
            raise ValueError(f"min_words ({self.min_words}) is above max_words ({self.max_words})")
        return self


class ChangeFilter(Section):
    """Drop rewrites identical to the draft or the raw annotation once case and whitespace are ignored."""
    enabled: bool = True


class StsFilter(Section):
    """Drop rewrites whose cosine similarity to the draft (`scoring.sts`) is below `threshold` (paper: 0.40,
    all-mpnet-base-v2)."""
    enabled: bool = True
    threshold: float = Field(0.40, ge=-1.0, le=1.0)
    categories: tuple[Category, ...] = ("captioning",)


class ClipFilter(Section):
    """Drop paragraphs (of rewrites with several) whose CLIPScore (`scoring.clip`) is below `threshold` (paper:
    17.0, ViT-L-14-336)."""
    enabled: bool = True
    threshold: float = Field(17.0, ge=-100.0, le=100.0)
    # "validation": stage 04 replaces `threshold` by the one that best separates hallucinated paragraphs on the
    # validation split (toyworld knows which are); "param": use `threshold` as given (the paper's 17.0).
    threshold_from: Literal["param", "validation"] = "param"
    # What "best separates" means with threshold_from: validation. Youden's J (recall minus false-positive rate)
    # does not depend on how common hallucination is; F1 does, and when most paragraphs hallucinate it is
    # maximised by dropping them all.
    criterion: Literal["f1", "youden_j"] = "youden_j"
    categories: tuple[Category, ...] = ("captioning",)


class NliFilter(Section):
    """Drop rewrites the NLI backend (`scoring.nli`) judges to contradict the original answer."""
    enabled: bool = True
    categories: tuple[Category, ...] = ("vqa_short", "vqa_rationale")


class FilteringConfig(Section):
    """The five filters, applied in this order (Figure 10)."""
    length: LengthFilter = LengthFilter()
    change: ChangeFilter = ChangeFilter()
    sts: StsFilter = StsFilter()
    clip: ClipFilter = ClipFilter()
    nli: NliFilter = NliFilter()
