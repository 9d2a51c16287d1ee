"""Stage 06: Clever Flamingo's U-shaped three-stage tuning, the comparison models, the second-generation rewriter."""
