"""Stage 06: Clever Flamingo's U-shaped three-stage tuning and the comparison models, one recipe (`tuning.recipes`) per DVC stage."""
