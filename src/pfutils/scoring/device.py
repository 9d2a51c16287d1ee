"""Where scoring models run: the GPU when there is one, else the CPU (scores are computed in fp32 either way)."""
import torch


def scoring_device(device: str | None = None) -> str:
    return device or ("cuda" if torch.cuda.is_available() else "cpu")
