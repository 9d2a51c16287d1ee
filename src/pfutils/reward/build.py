"""Stage 04a: the tiny profile's reward model, trained on preference pairs from held-out prompts.

The polite sources' validation split (never trained on by the rewriter or Clever Flamingo) gives the prompts;
each polite response is preferred over raw-style variants of it. Pairs are split by prompt, so the reported
pairwise accuracy is on prompts the reward model never saw. Rejected styles listed in `reward.pairs.unseen_styles`
are never trained on: their pairs on the held-out prompts measure whether the model's preference reaches raw
styles it was never shown (if it does, a polite-over-raw win is not just the training set played back).
"""
from __future__ import annotations

from pathlib import Path

import datasets
from transformers import AutoTokenizer

from .accuracy import accuracy_by_style, pair_scores, pairwise_accuracy
from .config import RewardParams
from .pairs import preference_pairs, split_by_prompt
from .training import model_card, reward_backbone, train_reward_model


def train_from_sources(p: RewardParams, source_dirs: list[Path], seed: int) -> dict:
    """Trains, saves to `p.model` and returns {curve, accuracy, by_style, n_train, n_heldout, unseen_accuracy,
    unseen_by_style, n_unseen}."""
    records = datasets.concatenate_datasets([datasets.load_from_disk(str(d))["val"] for d in source_dirs])
    records = records.select_columns(["id", "instruction", "response", "answer", "captions"]).to_list()
    trained_styles = p.pairs.trained_styles
    train_pairs, heldout = split_by_prompt(preference_pairs(records, seed, min(p.pairs.per_chosen, len(trained_styles)),
                                                            trained_styles), p.pairs.heldout_share, seed)
    heldout_prompts = {pair.instruction for pair in heldout}
    unseen = [pair for pair in preference_pairs(records, seed, len(p.pairs.unseen_styles), p.pairs.unseen_styles)
              if pair.instruction in heldout_prompts] if p.pairs.unseen_styles else []
    if not p.base_lm:
        raise ValueError("reward.base_lm: training the `trained` reward model needs a causal LM directory")
    tokenizer = AutoTokenizer.from_pretrained(p.base_lm)
    model = reward_backbone(tokenizer, p.base_lm, seed)
    reward, curve = train_reward_model(model, tokenizer, train_pairs, p.training, seed)
    chosen, rejected = pair_scores(reward, heldout)
    accuracy = pairwise_accuracy(chosen, rejected)
    by_style = accuracy_by_style(heldout, chosen, rejected)
    unseen_accuracy, unseen_by_style = None, {}
    if unseen:
        chosen, rejected = pair_scores(reward, unseen)
        unseen_accuracy, unseen_by_style = pairwise_accuracy(chosen, rejected), accuracy_by_style(unseen, chosen, rejected)
    reward.save_pretrained(p.model, model_card(p.training, seed, p.base_lm, len(train_pairs), len(heldout), accuracy,
                                               by_style, unseen_by_style))
    return {"curve": curve, "accuracy": accuracy, "by_style": by_style, "n_train": len(train_pairs),
            "n_heldout": len(heldout), "unseen_accuracy": unseen_accuracy, "unseen_by_style": unseen_by_style,
            "n_unseen": len(unseen)}
