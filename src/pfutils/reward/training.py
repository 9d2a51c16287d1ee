"""Training the tiny profile's reward model: a LLaMA-style backbone, a scalar head, the Bradley-Terry loss.

For a pair (instruction, chosen, rejected) the loss is -log sigmoid(r_chosen - r_rejected): the probability that
chosen is preferred, under the Bradley-Terry model, is pushed towards 1 (InstructGPT's and OpenAssistant's
reward-model objective). Only differences of rewards are trained, so a reward's absolute value means little;
compare rewards of one model, as win rates and medians do.

The backbone starts from the tiny base LM directory when there is one (all decoder weights, a fresh head), the way
OpenAssistant's reward models start from pretrained LMs; otherwise from a LlamaConfig of the base LM's size.
Deterministic from a seed: head initialisation, pair order each epoch.
"""
from __future__ import annotations

import copy
import math
import random
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F
from tqdm import tqdm
from transformers import LlamaConfig, LlamaForSequenceClassification

from ..model.device import runtime_device
from ..training.schedule import warmup_cosine
from .config import Backbone, RewardTraining
from .pairs import PreferencePair
from .trained import TEXT_FORMAT, TrainedRewardModel


def backbone_config(tokenizer, shape: Backbone, max_length: int) -> LlamaConfig:
    """A LlamaConfig of `shape` over the tokenizer's vocabulary, with its pad, BOS and EOS ids."""
    return LlamaConfig(vocab_size=len(tokenizer), hidden_size=shape.hidden_size,
                       intermediate_size=shape.intermediate_size, num_hidden_layers=shape.layers,
                       num_attention_heads=shape.heads, num_key_value_heads=shape.heads,
                       max_position_embeddings=max_length, pad_token_id=tokenizer.pad_token_id,
                       bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)


def reward_backbone(tokenizer, source: str | Path | LlamaConfig, seed: int) -> LlamaForSequenceClassification:
    """A LLaMA classifier of one output: the decoder of the causal LM saved at `source`, or random from a config.

    Loading from an LM fails, naming the keys, if anything but the new head is missing or anything but the LM
    head is left over; and if the tokenizer's ids do not fit the embedding table.
    """
    if tokenizer.pad_token_id is None:
        raise ValueError("the reward model's tokenizer needs a pad token")
    torch.manual_seed(seed)
    if isinstance(source, LlamaConfig):
        config = copy.deepcopy(source)
        config.num_labels, config.pad_token_id = 1, tokenizer.pad_token_id
        model = LlamaForSequenceClassification(config)
    else:
        model, info = LlamaForSequenceClassification.from_pretrained(
            str(source), num_labels=1, pad_token_id=tokenizer.pad_token_id, dtype=torch.float32,
            output_loading_info=True)
        missing, unexpected = set(info["missing_keys"]), set(info["unexpected_keys"])
        if missing != {"score.weight"} or unexpected - {"lm_head.weight"} or info["mismatched_keys"]:
            raise ValueError(f"{source} is not a LLaMA causal LM the reward head fits: missing {sorted(missing)}, "
                             f"unexpected {sorted(unexpected)}, mismatched {sorted(info['mismatched_keys'])}")
    if len(tokenizer) > model.config.vocab_size:
        raise ValueError(f"the tokenizer has {len(tokenizer)} tokens but the backbone embeds only "
                         f"{model.config.vocab_size}")
    return model


def train_reward_model(model: LlamaForSequenceClassification, tokenizer, pairs: Sequence[PreferencePair],
                       config: RewardTraining, seed: int,
                       device: str | None = None) -> tuple[TrainedRewardModel, list[dict]]:
    """The trained reward model and its curve (one row per step: epoch, loss, batch accuracy, lr).

    Each step scores `batch_size` chosen and rejected responses in one forward pass. Warm-up then cosine decay.
    """
    if not pairs:
        raise ValueError("no preference pairs to train the reward model on")
    if config.max_length > model.config.max_position_embeddings:
        raise ValueError(f"reward.training.max_length ({config.max_length}) is above the backbone's "
                         f"max_position_embeddings ({model.config.max_position_embeddings})")
    torch.manual_seed(seed)
    reward = TrainedRewardModel(model.to(device or runtime_device()), tokenizer, config.max_length)
    steps = config.epochs * math.ceil(len(pairs) / config.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(steps, config.warmup_steps))
    order = random.Random(f"{seed}/reward_training")
    curve = []
    model.train()
    progress = tqdm(total=steps, desc="reward model", mininterval=10)
    for epoch in range(config.epochs):
        indices = list(range(len(pairs)))
        order.shuffle(indices)
        for start in range(0, len(indices), config.batch_size):
            batch = [pairs[i] for i in indices[start:start + config.batch_size]]
            instructions = [p.instruction for p in batch]
            rewards = reward.rewards(instructions * 2, [p.chosen for p in batch] + [p.rejected for p in batch])
            margin = rewards[:len(batch)] - rewards[len(batch):]
            loss = -F.logsigmoid(margin).mean()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            curve.append({"model": "reward", "step": len(curve), "epoch": epoch, "loss": round(loss.item(), 4),
                          "accuracy": round((margin > 0).float().mean().item(), 4),
                          "lr": schedule.get_last_lr()[0]})
            schedule.step()
            progress.update()
    progress.close()
    model.eval()
    return reward, curve


def model_card(config: RewardTraining, seed: int, backbone: str, n_train: int, n_heldout: int,
               heldout_accuracy: float, accuracy_by_style: dict[str, float],
               unseen_by_style: dict[str, float] | None = None) -> str:
    """The README.md of a trained reward model: what it is, what it learnt from, how well it ranks held-out pairs
    (in the styles it trained on, and in those it never saw)."""
    styles = "\n".join([f"| {style} | trained on | {accuracy:.3f} |" for style, accuracy in sorted(accuracy_by_style.items())]
                       + [f"| {style} | never seen | {accuracy:.3f} |"
                          for style, accuracy in sorted((unseen_by_style or {}).items())])
    params = "\n".join(f"- {key}: {value}" for key, value in config.model_dump().items())
    return f"""# Politeness reward model (tiny profile)

The tiny profile's stand-in for OpenAssistant/reward-model-deberta-v3-large-v2, the reward model the paper scores
politeness with (Figures 6, 8, 9). A LLaMA-architecture backbone ({backbone}) with a scalar head, trained with
the Bradley-Terry loss -log sigmoid(r_chosen - r_rejected) to prefer the polite teacher response over raw-style
variants of it (of short answers, captions, distorted drafts, augmentations, lower case, no punctuation: the styles
marked "trained on" below; those marked "never seen" were kept out of training to test how far it generalises).

Input: `{TEXT_FORMAT!r}`; the reward is the head's output at the final EOS. Load with
`pfutils.reward.reward_model("trained", this_directory)`.

## Data
{n_train} training pairs and {n_heldout} held-out pairs from the polite sources' validation split, split by
prompt (no instruction on both sides).

## Held-out pairwise accuracy (chosen scored above rejected): {heldout_accuracy:.3f}

| rejected style | in training | accuracy |
|---|---|---|
{styles}

## Parameters
- seed: {seed}
{params}
"""
