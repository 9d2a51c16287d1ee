"""Polite Flamingo as a rewriter: its training examples (stage 02) and batched rewriting (stages 02, 03, 06)."""
