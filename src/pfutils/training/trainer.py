"""The training loop of every stage: `accelerate` for devices and processes, resumable, deterministic.

- One optimizer step consumes one global batch of `batch_size` examples, split into micro-batches of
  `micro_batch_size` that are dealt round-robin to the processes (under `accelerate launch` or `torchrun`: any
  number of GPUs or CPU processes). The loss is the token-mean over the whole global batch and the gradients of
  the trainable tensors are summed across processes in one flat all-reduce, so 1 process and N processes
  compute the same update. (Summing by hand rather than wrapping in DDP keeps batches that never touch the
  trainable set, e.g. text-only ones for the perceiver, free of DDP's unused-parameter rules.)
- With `group_by_length`, each global batch is sorted by length before it is split, so a micro-batch holds
  examples of similar length and pads little. Which examples share a step does not change, nor (up to dropout
  and float rounding) the update: the loss is normalised by the global batch's token count either way.
- Example order is a seeded permutation per epoch and every step reseeds torch from (seed, step, rank), so a run
  that is killed and resumed from its last checkpoint ends with the same weights as one that never stopped.
- With `compile_layers`, the LM's decoder layers are compiled in place (`model.compile`): the same update, up
  to float rounding, in fewer kernels; worth it on GPUs, where it is set by `compute.compile_training`.
- With `shard_frozen` (and more than one process), the frozen weights are split over the processes with FSDP2
  (`sharding.py`); the trained ones stay whole, so the update and the checkpoints are as without it. Processes
  with fewer micro-batches in a step run a pass of zero weight, as FSDP's collectives need the same passes
  everywhere, and the weights are gathered whole again at the end.
- Trained weights are kept in fp32 (master weights, and so the AdamW state) while a bf16/fp16 model computes
  under autocast: an update far below bf16's resolution (stage 3's lr 1e-5) accumulates instead of rounding away.
  They return to the model's dtype at the end. An fp32 model (the CPU runs) trains as it is, without autocast.
- Checkpoints hold only the trainable tensors, the optimizer, the schedule and the progress, written atomically
  to `work_dir`; they are resumed only by the same run (`pfutils.resume`: the config, the seed, the examples with
  their images' pixels, and every start weight of the model), discarded otherwise, and removed at the end. The
  process count is not part of it: N processes compute the one-process update, so a run may resume on another.
"""
from __future__ import annotations

import json
import math
import random
import shutil
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from accelerate import Accelerator
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from ..model.compile import compile_decoder_layers
from ..model.trainable import set_trainable
from ..resume import Fingerprint, mark_job, same_job
from ..storage import replace_dir, write_json
from .collate import collate
from .config import TrainConfig
from .examples import IGNORE
from .schedule import warmup_cosine
from .sharding import check_every_pass_trains, gather_sharded_weights, shard_frozen_weights


def run_fingerprint(model, config: TrainConfig, examples: list[dict], seed: int) -> str:
    """What a run's checkpoints depend on: config and seed, the (first epoch's) examples with their images, and
    the model's start weights, trained and frozen."""
    fingerprint = Fingerprint().settings([config.model_dump(), seed])
    for e in examples:
        fingerprint.settings([e["input_ids"], e["labels"]]).images(e["images"])
    return fingerprint.tensors(model.state_dict().items()).hexdigest()


def autocast_for(device: torch.device, dtype: torch.dtype) -> torch.autocast:
    """bf16 autocast for a bf16 model, none for fp32 (fp16 would need loss scaling, which this loop does not do).
    torch's own context, not accelerate's `mixed_precision`, which is fixed for the whole process at its first
    Accelerator while one process may train models of both dtypes."""
    if dtype not in (torch.bfloat16, torch.float32):
        raise ValueError(f"train a bf16 or fp32 model, not {dtype}")
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=dtype == torch.bfloat16)


def global_batches(n_examples: int, batch_size: int, epoch: int, seed: int) -> list[list[int]]:
    order = list(range(n_examples))
    random.Random(f"{seed}/epoch/{epoch}").shuffle(order)
    return [order[i:i + batch_size] for i in range(0, n_examples, batch_size)]


def shortest_first(batch: list[int], examples: list[dict]) -> list[int]:
    """`batch` sorted by example length: what `group_by_length` splits into micro-batches."""
    return sorted(batch, key=lambda i: len(examples[i]["input_ids"]))


def rank_micro_batches(batch: list[int], micro: int, rank: int, world: int) -> list[list[int]]:
    """This process's share of a global batch: every `world`-th micro-batch, starting at `rank`."""
    return [batch[i:i + micro] for i in range(0, len(batch), micro)][rank::world]


def _sum_gradients_across_processes(accelerator: Accelerator, params: list[torch.nn.Parameter]) -> None:
    if accelerator.num_processes == 1:
        return
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = accelerator.reduce(torch.cat([g.flatten() for g in grads]), reduction="sum")
    offset = 0
    for p, g in zip(params, grads):
        p.grad = flat[offset:offset + g.numel()].view_as(g).clone()
        offset += g.numel()


def _token_loss_sum(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits[:, :-1].flatten(0, 1).float(), labels[:, 1:].flatten(), ignore_index=IGNORE,
                           reduction="sum")


def _save_checkpoint(work_dir: Path, fingerprint: str, model, optimizer, scheduler, progress: dict) -> None:
    tmp = work_dir.parent / f".{work_dir.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    mark_job(tmp, fingerprint)
    trainable = {n: p.detach().cpu().contiguous() for n, p in model.named_parameters() if p.requires_grad}
    save_file(trainable, str(tmp / "trainable.safetensors"))
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp / "optimizer.pt")
    write_json(progress, tmp / "progress.json")
    replace_dir(tmp, work_dir)


def _load_checkpoint(work_dir: Path, model, optimizer, scheduler) -> dict:
    tensors = load_file(str(work_dir / "trainable.safetensors"))
    params = dict(model.named_parameters())
    for name, tensor in tensors.items():
        params[name].data.copy_(tensor)
    state = torch.load(work_dir / "optimizer.pt", weights_only=True)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    return json.loads((work_dir / "progress.json").read_text())


def train(model, tokenizer, examples: list[dict] | Callable[[int], list[dict]], config: TrainConfig,
          work_dir: str | Path, seed: int, transform, name: str = "train",
          stop_after: int | None = None, compile_layers: bool = False,
          shard_frozen: bool = False) -> tuple[object, list[dict]]:
    """Trains `config.trainable` of `model` on `examples`; returns (model, loss curve rows).

    `examples` is a list, or a function of the epoch returning that epoch's list (multi-turn augmentation packs
    new sequences every epoch; every epoch must hold the same number of examples). `stop_after` ends the run
    after that many optimizer steps as if killed (its checkpoint stays), for tests.
    """
    epoch_examples = examples if callable(examples) else (lambda epoch: examples)
    loaded = {0: epoch_examples(0)}
    n_examples = len(loaded[0])
    work_dir = Path(work_dir)
    set_trainable(model, config.trainable)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    model_dtype = params[0].dtype
    accelerator = Accelerator(cpu=not torch.cuda.is_available())
    fingerprint = run_fingerprint(model, config, loaded[0], seed)
    for p in params:
        p.data = p.data.float()
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    batches_per_epoch = math.ceil(n_examples / config.batch_size)
    total = batches_per_epoch * config.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(total, round(config.warmup_ratio * total)))
    progress = {"step": 0, "curve": []}
    if same_job(work_dir, fingerprint, remove_other=accelerator.is_main_process):
        progress = _load_checkpoint(work_dir, model, optimizer, scheduler)
        accelerator.print(f"{name}: resumed at step {progress['step']} of {total}")
    model = model.to(accelerator.device)
    rank, world = accelerator.process_index, accelerator.num_processes
    sharded = shard_frozen and world > 1
    if sharded:
        shard_frozen_weights(model, accelerator.device)
    if compile_layers:
        compile_decoder_layers(model)
    pad = tokenizer.pad_token_id
    bar = tqdm(total=total, initial=progress["step"], desc=name, disable=not accelerator.is_main_process,
               mininterval=10)
    for step in range(progress["step"], total):
        epoch, index = divmod(step, batches_per_epoch)
        if epoch not in loaded:
            loaded = {epoch: epoch_examples(epoch)}
            if len(loaded[epoch]) != n_examples:
                raise ValueError(f"epoch {epoch} has {len(loaded[epoch])} examples, epoch 0 had {n_examples}")
        current = loaded[epoch]
        batch = global_batches(n_examples, config.batch_size, epoch, seed)[index]
        if config.group_by_length:
            batch = shortest_first(batch, current)
        n_tokens = sum(sum(label != IGNORE for label in current[i]["labels"][1:]) for i in batch)
        torch.manual_seed(hash((seed, step, rank)) % 2**31)
        total_loss = torch.zeros((), device=accelerator.device)
        passes = [(indices, True) for indices in rank_micro_batches(batch, config.micro_batch_size, rank, world)]
        if sharded:
            every = rank_micro_batches(batch, config.micro_batch_size, 0, 1)
            check_every_pass_trains([[current[i] for i in micro] for micro in every], config.trainable)
            passes += [(every[0], False)] * (math.ceil(len(every) / world) - len(passes))
        for indices, counts in passes:
            inputs = {key: value.to(accelerator.device) for key, value in
                      collate([current[i] for i in indices], pad, transform).items()}
            labels = inputs.pop("labels")
            with autocast_for(accelerator.device, model_dtype):
                loss = _token_loss_sum(model(**inputs).logits, labels) / max(n_tokens, 1)
            if not counts:  # a padding pass of a sharded run: it only joins the other processes' collectives
                loss = loss * 0.0
            if loss.requires_grad:  # a text-only batch never reaches the perceiver or the XATTN
                loss.backward()
            total_loss += loss.detach()
        _sum_gradients_across_processes(accelerator, params)
        torch.nn.utils.clip_grad_norm_(params, config.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        step_loss = accelerator.reduce(total_loss, reduction="sum").item()
        progress["curve"].append({"run": name, "step": step + 1, "loss": round(step_loss, 5),
                                  "lr": scheduler.get_last_lr()[0]})
        progress["step"] = step + 1
        bar.update(1)
        done = step + 1 == total
        if accelerator.is_main_process and not done and ((step + 1) % config.save_every == 0
                                                         or (stop_after and step + 1 == stop_after)):
            _save_checkpoint(work_dir, fingerprint, model, optimizer, scheduler, progress)
        accelerator.wait_for_everyone()
        if stop_after and step + 1 == stop_after and not done:
            break
    bar.close()
    if sharded:
        gather_sharded_weights(model)
    for p in params:
        p.data = p.data.to(model_dtype)
    model.eval()
    if progress["step"] == total and accelerator.is_main_process:
        shutil.rmtree(work_dir, ignore_errors=True)
    return model, progress["curve"]

