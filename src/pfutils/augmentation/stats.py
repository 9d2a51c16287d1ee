"""What multi-turn augmentation buys: how much of each training batch is real text, and how much carries loss."""
from __future__ import annotations

import time

from ..model.trainable import set_trainable
from ..training.collate import collate
from ..training.examples import IGNORE
from ..training.trainer import global_batches, shortest_first


def batch_composition(examples: list[dict], batch_size: int, micro_batch_size: int, seed: int,
                      group_by_length: bool = False) -> dict:
    """Over one epoch batched as the trainer batches it (micro-batches padded to their longest sequence, each
    global batch sorted by length first when `group_by_length`): the share of tokens that are real (not
    padding), the share that carry loss, and how many turns (responses) a sequence holds on average."""
    total = real = loss = turns = 0
    for batch in global_batches(len(examples), batch_size, 0, seed):
        if group_by_length:
            batch = shortest_first(batch, examples)
        for start in range(0, len(batch), micro_batch_size):
            chunk = [examples[i] for i in batch[start:start + micro_batch_size]]
            width = max(len(e["input_ids"]) for e in chunk)
            total += width * len(chunk)
            real += sum(len(e["input_ids"]) for e in chunk)
            loss += sum(sum(label != IGNORE for label in e["labels"]) for e in chunk)
            turns += sum(_responses(e["labels"]) for e in chunk)
    return {"sequences": len(examples), "tokens": real, "real_fraction": real / total, "loss_fraction": loss / total,
            "turns_per_sequence": turns / len(examples)}


def _responses(labels: list[int]) -> int:
    """The number of loss-bearing spans: one per response."""
    return sum(label != IGNORE and (i == 0 or labels[i - 1] == IGNORE) for i, label in enumerate(labels))


def training_throughput(model, tokenizer, runs: dict[str, list[dict]], trainable: str, micro_batch_size: int,
                        context_length: int, steps: int, transform, seed: int, warmup: int = 2) -> dict[str, dict]:
    """Forward + backward speed of each run's examples on batches of `micro_batch_size` sequences padded to
    `context_length` (the same batch memory whatever the packing): all, real and loss-bearing tokens per second.

    Micro-batches are drawn in the trainer's shuffled order: the stage datasets are sorted by source, so their
    first rows (long captions) are not a fair sample of what training sees. The runs take turns step by step,
    after `warmup` untimed steps each, so a machine that warms up or slows down weighs on every run alike."""
    orders = {name: [i for batch in global_batches(len(examples), micro_batch_size, 0, seed) for i in batch]
              for name, examples in runs.items()}
    set_trainable(model, trainable)
    model.train()
    pad = tokenizer.pad_token_id
    totals = {name: {"seconds": 0.0, "real": 0, "loss": 0} for name in runs}
    for step in range(-warmup, steps):
        for name, examples in runs.items():
            order = orders[name]
            chunk = [examples[order[(max(step, 0) * micro_batch_size + k) % len(order)]]
                     for k in range(micro_batch_size)]
            batch = collate(chunk, pad, transform, pad_to=context_length)
            labels = batch.pop("labels")
            started = time.perf_counter()
            loss = model(**batch, labels=labels).loss
            if loss.requires_grad:
                loss.backward()
            model.zero_grad(set_to_none=True)
            if step >= 0:
                totals[name]["seconds"] += time.perf_counter() - started
                totals[name]["real"] += int(batch["attention_mask"].sum())
                totals[name]["loss"] += int((labels != IGNORE).sum())
    model.eval()
    return {name: {"seconds": t["seconds"],
                   "tokens_per_second": steps * micro_batch_size * context_length / t["seconds"],
                   "real_tokens_per_second": t["real"] / t["seconds"],
                   "loss_tokens_per_second": t["loss"] / t["seconds"]} for name, t in totals.items()}
