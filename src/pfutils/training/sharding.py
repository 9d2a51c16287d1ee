"""Sharding the frozen weights over the processes with FSDP2 (`fully_shard`), for `compute.shard_frozen_weights`.

The paper trains LoRA or the perceiver/XATTN around a frozen 7B LM: the frozen weights are most of each GPU's
memory. Here they are split N ways (each decoder layer is its own unit, the rest of the model one root unit) and
gathered unit by unit as the forward and backward passes reach them. What is trained stays whole on every process
(FSDP's `ignored_params`), so the trainer's own flat all-reduce of its gradients, and with it the guarantee that
N processes compute the one-process update, is unchanged; so are the resumable checkpoints, which hold only the
trained tensors.

FSDP's gathers are collective, so every process must run the same units in the same order:
- every process runs the same number of forward/backward passes per step (the trainer pads with a pass of zero
  weight), and
- every pass reaches the trained tensors: a text-only micro-batch in a run that trains no LoRA never does, and
  would skip its backward while the others gather (`check_every_pass_trains` fails such a step on every process
  alike, before any pass runs).
"""
from __future__ import annotations

import torch
import torch.distributed as dist
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import FSDPModule, fully_shard

from ..model.flamingo import Flamingo


def shard_frozen_weights(model: Flamingo, device: torch.device) -> None:
    """Splits every frozen weight of `model` over the default process group; trained tensors stay whole."""
    mesh = init_device_mesh(device.type, (dist.get_world_size(),))
    trained = {p for p in model.parameters() if p.requires_grad}
    for layer in model.base_lm.get_decoder().layers:
        fully_shard(layer, mesh=mesh, ignored_params=trained & set(layer.parameters()))
    fully_shard(model, mesh=mesh, ignored_params=trained)


def gather_sharded_weights(model: Flamingo) -> None:
    """Gathers every sharded weight back whole onto every process (collective), so the model can be saved or merged
    as an unsharded one. It is then for saving, not for more sharded training."""
    for module in model.modules():
        if isinstance(module, FSDPModule):
            module.unshard()


def check_every_pass_trains(micro_batches: list[list[dict]], trainable: str) -> None:
    """Fails when a micro-batch could not reach the trained tensors: text only, in a run that trains no LoRA.
    Every process sees the whole global batch, so all of them fail alike, before any pass runs."""
    if "lora" in trainable.split("+"):
        return
    text_only = sum(not any(e["images"] for e in micro) for micro in micro_batches)
    if text_only:
        raise ValueError(f"shard_frozen_weights: {text_only} text-only micro-batch(es) in a step of a run training "
                         f"{trainable!r} (no LoRA): their passes would reach no trained tensor and skip the backward "
                         "the other processes wait on; train unsharded, or on examples with images")
