"""Per-paragraph CLIPScore, the hallucination check of the paragraph filter (Appendix D).

Polite Flamingo learnt from LLaVA-detailed-23k to write a second paragraph ("In addition, ...") and often
hallucinates in it, so each paragraph of a rewrite (split on blank lines) is scored against the image on its own.
The score follows the released code exactly, because the paper's threshold (17.0) was set on its numbers:

    pieces = paragraph.split('.')[:10]          # not stripped; the empty piece after a final '.' counts too
    t_k    = encode_text(pieces) / |...|        # normalised per piece
    score  = 100 * <encode_image(image) / |...|, mean_k t_k>

The mean of the normalised piece features is not normalised again, so the score is 100 x cosine x |mean|, a
little below the plain cosine of the method text (equal when all pieces agree).

`ClipScorer` is backend-agnostic: any open_clip model plus a function turning texts into token ids and one
turning PIL images into a batch. `open_clip_scorer` builds the paper's (ViT-L-14-336, `openai` weights);
`local_clip_scorer` the tiny profile's (`pfutils.pretrain.clip` directory + its BPE tokenizer).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Sequence

import open_clip
import torch
import torch.nn.functional as F
from transformers import AutoTokenizer

from ..pretrain.clip import image_tensor, load_clip, text_tokens
from ..schema import decoded
from .config import ClipModel
from .device import scoring_device

MAX_SENTENCES = 10
_BLANK_LINE = re.compile(r"\n\s*\n")


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a text: pieces between blank lines, stripped, empty ones dropped."""
    return [p.strip() for p in _BLANK_LINE.split(text) if p.strip()]


def sentence_pieces(paragraph: str) -> list[str]:
    """The texts CLIP encodes for one paragraph: its first 10 '.'-split pieces, exactly as the released code."""
    return paragraph.split(".")[:MAX_SENTENCES]


class ClipScorer:
    """CLIPScore of paragraphs against images with any open_clip model.

    `tokenize(texts) -> LongTensor (N, context)`; `preprocess(images) -> FloatTensor (N, 3, H, W)`.
    """

    def __init__(self, model, tokenize: Callable[[list[str]], torch.Tensor],
                 preprocess: Callable[[list], torch.Tensor], device: str | None = None, batch_size: int = 64):
        self.device = scoring_device(device)
        self.model = model.to(self.device).eval()
        self.tokenize, self.preprocess, self.batch_size = tokenize, preprocess, batch_size

    @torch.no_grad()
    def image_features(self, images: Sequence) -> torch.Tensor:
        """Normalised image features (N, D), encoded in batches; stored images (`pfutils.schema.undecoded`) are
        decoded one batch at a time."""
        chunks = [self.model.encode_image(self.preprocess([decoded(im) for im in images[i:i + self.batch_size]])
                                          .to(self.device))
                  for i in range(0, len(images), self.batch_size)]
        return F.normalize(torch.cat(chunks).float(), dim=-1)

    @torch.no_grad()
    def text_features(self, texts: Sequence[str]) -> torch.Tensor:
        """Normalised text features (N, D), encoded in batches."""
        chunks = [self.model.encode_text(self.tokenize(list(texts[i:i + self.batch_size])).to(self.device))
                  for i in range(0, len(texts), self.batch_size)]
        return F.normalize(torch.cat(chunks).float(), dim=-1)

    def paragraph_scores(self, images: Sequence, paragraphs: Sequence[Sequence[str]]) -> list[list[float]]:
        """For the i-th image, the CLIPScore of each of its paragraphs `paragraphs[i]`."""
        if len(images) != len(paragraphs):
            raise ValueError(f"{len(images)} images but {len(paragraphs)} lists of paragraphs")
        if not images:
            return []
        image = self.image_features(images)
        pieces = [sentence_pieces(p) for group in paragraphs for p in group]
        text = self.text_features([piece for group in pieces for piece in group])
        means, start = [], 0
        for group in pieces:
            means.append(text[start:start + len(group)].mean(dim=0))
            start += len(group)
        scores, k = [], 0
        for i, group in enumerate(paragraphs):
            scores.append([100.0 * float(image[i] @ means[k + j]) for j in range(len(group))])
            k += len(group)
        return scores


@lru_cache(maxsize=None)
def open_clip_scorer(model_name: str, pretrained: str | None, device: str | None = None,
                     batch_size: int = 64) -> ClipScorer:
    """The paper's scorer: `open_clip_scorer('ViT-L-14-336', 'openai')` (cached per process)."""
    model, _, preprocess = open_clip.create_model_and_transforms(model_name, pretrained=pretrained or None)
    return ClipScorer(model, open_clip.get_tokenizer(model_name),
                      lambda images: torch.stack([preprocess(im) for im in images]), device, batch_size)


@lru_cache(maxsize=None)
def local_clip_scorer(clip_dir: str, tokenizer_dir: str, device: str | None = None,
                      batch_size: int = 64) -> ClipScorer:
    """The tiny profile's scorer: a CLIP saved by `pfutils.pretrain.clip.save_clip` and its tokenizer directory."""
    clip = load_clip(clip_dir)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    context, size = clip.context_length, clip.visual.image_size[0]
    return ClipScorer(clip, lambda texts: text_tokens(tokenizer, texts, context),
                      lambda images: image_tensor(images, size), device, batch_size)


def clip_scorer(clip: ClipModel, device: str | None = None) -> ClipScorer:
    """The CLIPScore model `scoring.clip` names: a local CLIP directory, or an open_clip model and tag."""
    if clip.backend == "local":
        return local_clip_scorer(clip.model, clip.tokenizer, device, clip.batch_size)
    return open_clip_scorer(clip.model, clip.pretrained or None, device, clip.batch_size)
