"""The learning-rate schedule of every training loop: linear warm-up, then cosine decay to zero."""
import math


def warmup_cosine(steps: int, warmup: int):
    """LambdaLR multiplier for step s of `steps` (transformers trained from scratch need both parts)."""
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))
    return factor
