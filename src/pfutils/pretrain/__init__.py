"""The base models of the tiny profile, the analogue of downloading OpenFlamingo-9B: a BPE tokenizer, a small
CLIP, a small LLaMA-architecture LM, and the OpenFlamingo analogue (perceiver + XATTN trained on captioning).

corpus.py (what they learn from) -> tokenizer.py -> clip.py -> lm.py -> captioning.py; evaluate.py measures them.
"""
