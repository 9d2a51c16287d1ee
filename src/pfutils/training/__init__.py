"""Supervised training of a Flamingo: tokenised examples with loss masks, batching, and a resumable
`accelerate` loop shared by every stage that trains (base captioning, the rewriter, Clever Flamingo).
"""
