"""Where the model runs: the GPU in bf16 when there is one (as the paper trains and infers), else the CPU in fp32."""

import torch


def runtime_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def runtime_dtype(device: torch.device) -> torch.dtype:
    """bf16 on cuda; fp32 on cpu, where bf16 matmuls are slow and greedy outputs should be exact."""
    return torch.bfloat16 if torch.device(device).type == "cuda" else torch.float32
