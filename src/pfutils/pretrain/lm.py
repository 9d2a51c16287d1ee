"""A small LLaMA-architecture language model pretrained from scratch on toyworld text (the LLaMA analogue)."""
from __future__ import annotations

import math
import random

import torch
from tqdm import tqdm
from transformers import LlamaConfig, LlamaForCausalLM

from ..training.schedule import warmup_cosine
from .tokenizer import EOS_ID, PAD_ID


def lm_config(vocab_size: int, hidden_size: int, layers: int, heads: int, intermediate_size: int,
              max_positions: int) -> LlamaConfig:
    return LlamaConfig(vocab_size=vocab_size, hidden_size=hidden_size, intermediate_size=intermediate_size,
                       num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=heads,
                       max_position_embeddings=max_positions, tie_word_embeddings=True, pad_token_id=PAD_ID,
                       bos_token_id=1, eos_token_id=EOS_ID)


def packed_blocks(tokenizer, documents: list[str], block: int) -> torch.Tensor:
    """Documents joined by EOS into one stream, cut into (N, block) rows: no padding is ever trained on."""
    stream = []
    for ids in tokenizer(documents, add_special_tokens=False)["input_ids"]:
        stream += ids + [EOS_ID]
    n = len(stream) // block
    return torch.tensor(stream[:n * block]).view(n, block)


def train_lm(config: LlamaConfig, blocks: torch.Tensor, steps: int, batch_size: int, lr: float, warmup: int,
             seed: int) -> tuple[LlamaForCausalLM, list[dict]]:
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1, betas=(0.9, 0.95))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(steps, warmup))
    order = random.Random(seed)
    curve = []
    model.train()
    for step in tqdm(range(steps), desc="lm", mininterval=10):
        batch = blocks[torch.tensor(order.sample(range(len(blocks)), batch_size))]
        loss = model(input_ids=batch, labels=batch).loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step % 25 == 0 or step == steps - 1:
            curve.append({"model": "lm", "step": step, "loss": round(loss.item(), 4)})
    return model.eval(), curve


@torch.no_grad()
def perplexity(model: LlamaForCausalLM, blocks: torch.Tensor, batch_size: int = 32) -> float:
    """Token-level perplexity on held-out blocks."""
    total, count = 0.0, 0
    for i in range(0, len(blocks), batch_size):
        batch = blocks[i:i + batch_size]
        loss = model(input_ids=batch, labels=batch).loss
        n = batch.numel() - len(batch)
        total += loss.item() * n
        count += n
    return math.exp(total / count)
