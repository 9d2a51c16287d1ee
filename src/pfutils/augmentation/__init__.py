"""Stage 05: the stage datasets of Clever Flamingo's U-shaped schedule and multi-turn augmentation (Section 4.4)."""
