"""What multi-turn augmentation buys: how much of each training batch is real text, and how much carries loss."""
from __future__ import annotations

import time

from ..model.trainable import set_trainable
from ..training.collate import collate
from ..training.examples import IGNORE
from ..training.trainer import global_batches


def batch_composition(examples: list[dict], batch_size: int, micro_batch_size: int, seed: int) -> dict:
    """Over one epoch batched as the trainer batches it (micro-batches padded to their longest sequence): the
    share of tokens that are real (not padding) and the share that carry loss."""
    total = real = loss = 0
    for batch in global_batches(len(examples), batch_size, 0, seed):
        for start in range(0, len(batch), micro_batch_size):
            chunk = [examples[i] for i in batch[start:start + micro_batch_size]]
            width = max(len(e["input_ids"]) for e in chunk)
            total += width * len(chunk)
            real += sum(len(e["input_ids"]) for e in chunk)
            loss += sum(sum(label != IGNORE for label in e["labels"]) for e in chunk)
    return {"sequences": len(examples), "tokens": real, "real_fraction": real / total, "loss_fraction": loss / total}


def training_throughput(model, tokenizer, examples: list[dict], trainable: str, micro_batch_size: int,
                        context_length: int, steps: int, transform, seed: int) -> dict:
    """Forward + backward speed on batches of `micro_batch_size` sequences padded to `context_length` (the same
    batch memory whatever the packing): all, real and loss-bearing tokens per second.

    Micro-batches are drawn in the trainer's shuffled order: the stage datasets are sorted by source, so their
    first rows (long captions) are not a fair sample of what training sees."""
    order = [i for batch in global_batches(len(examples), micro_batch_size, 0, seed) for i in batch]
    set_trainable(model, trainable)
    model.train()
    pad = tokenizer.pad_token_id
    real = loss_tokens = 0
    started = time.perf_counter()
    for step in range(steps):
        chunk = [examples[order[(step * micro_batch_size + k) % len(order)]] for k in range(micro_batch_size)]
        batch = collate(chunk, pad, transform, pad_to=context_length)
        labels = batch.pop("labels")
        loss = model(**batch, labels=labels).loss
        if loss.requires_grad:
            loss.backward()
        model.zero_grad(set_to_none=True)
        real += int(batch["attention_mask"].sum())
        loss_tokens += int((labels != IGNORE).sum())
    seconds = time.perf_counter() - started
    model.eval()
    return {"seconds": seconds, "tokens_per_second": steps * micro_batch_size * context_length / seconds,
            "real_tokens_per_second": real / seconds, "loss_tokens_per_second": loss_tokens / seconds}
