"""LLM-instructed distortion with a Hugging Face causal LM (the paper used Guanaco-33B).

Prompts are built as in Table 5 and generated in left-padded batches. The prompt pre-fills the answer up to an
opening quote, so the draft is what the model writes before the closing quote. Drafts that are empty, that run
away (no closing quote before `max_new_tokens`) or that are longer than the response they should compress are
rejected with a reason rather than kept.
"""
from __future__ import annotations

import random
import re
from typing import Sequence

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from ..hub import hub_location
from .distorter import Distortion, input_problem
from .prompts import sample_prompt

# A Guanaco-style model that forgets the closing quote ends its turn by starting the next one.
_TURN_MARKER = re.compile(r"\n\s*###")


def parse_draft(continuation: str, finished: bool, original: str) -> tuple[str | None, str]:
    """(draft, "") or (None, reject reason) from the text a model wrote after the opening quote.

    The draft ends at the first closing quote; without one it ends at a new "###" turn or at end-of-sequence
    (`finished`). A continuation that stopped for lack of tokens without any of these is a runaway.
    """
    quote = continuation.find('"')
    if quote >= 0:
        draft = continuation[:quote]
    elif (marker := _TURN_MARKER.search(continuation)) is not None:
        draft = continuation[:marker.start()]
    elif finished:
        draft = continuation
    else:
        return None, "runaway: no closing quote before max_new_tokens"
    draft = draft.strip()
    if not draft:
        return None, "empty output"
    if len(draft) > len(original.strip()):
        return None, f"runaway: draft longer than the original ({len(draft)} > {len(original.strip())} chars)"
    return draft, ""


def replica_gpus(local_rank: int, local_processes: int, gpus: int) -> list[int]:
    """The GPUs of process `local_rank` among `local_processes` on a node with `gpus` GPUs: an equal, disjoint
    share each, so every process holds its own copy of the LLM ([] without GPUs: the CPU)."""
    if gpus == 0:
        return []
    if gpus < local_processes:
        raise ValueError(f"distortion.processes: {local_processes} processes per node but only {gpus} GPUs")
    share = gpus // local_processes
    return list(range(local_rank * share, (local_rank + 1) * share))


class HfDistorter:
    """Distorts with any causal LM; `generate_options` go to `model.generate` (e.g. do_sample, temperature, top_p).

    Prompts over `max_prompt_tokens` are rejected before generation; by default that is the model's context
    (`max_position_embeddings`) less `max_new_tokens`. The tokenizer is switched to left padding (batched
    generation needs the prompts right-aligned) and, when it has no pad token, pads with its EOS token.
    """

    def __init__(self, model, tokenizer, *, batch_size: int = 8, max_new_tokens: int = 256,
                 max_prompt_tokens: int | None = None, p_command: float = 0.5, **generate_options):
        if batch_size < 1:
            raise ValueError(f"distortion.llm.batch_size must be >= 1, got {batch_size}")
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        context = getattr(model.config, "max_position_embeddings", None)
        if max_prompt_tokens is None and context is not None:
            max_prompt_tokens = context - max_new_tokens
        self.max_prompt_tokens = max_prompt_tokens
        self.p_command = p_command
        self.generate_options = generate_options

    @classmethod
    def from_pretrained(cls, model: str, *, device: str | None = None, dtype: str = "auto",
                        gpus: list[int] | None = None, **options) -> "HfDistorter":
        """Load `model` (hub name or local directory) on `device`, by default spread by accelerate's big-model
        loading (`device_map="auto"`) over the GPUs `gpus` (all there are when None; the CPU when there are none):
        the paper's Guanaco-33B holds 65 GB in bf16, more than one A100-40GB."""
        location = hub_location(model)  # the profile's pinned revision of a hub model
        tokenizer = AutoTokenizer.from_pretrained(location)
        placement = {"device_map": device or "auto"}
        if device is None and gpus is not None and torch.cuda.is_available():
            placement["max_memory"] = {g: torch.cuda.get_device_properties(g).total_memory for g in gpus}
        lm = AutoModelForCausalLM.from_pretrained(location, dtype=dtype, **placement)
        return cls(lm, tokenizer, **options)

    def distort(self, pairs: Sequence[tuple[str, str]], rng: random.Random) -> list[Distortion]:
        """One `Distortion` per pair, in order: commands drawn from `rng` pair by pair, then one sampling seed
        per batch of `batch_size`; bad input and over-long prompts are rejected before generation."""
        results: list[Distortion | None] = [None] * len(pairs)
        todo: list[tuple[int, str, int | None]] = []
        for i, (instruction, response) in enumerate(pairs):
            problem = input_problem(instruction, response)
            if problem:
                results[i] = Distortion.rejected(problem)
                continue
            prompt, command = sample_prompt(instruction, response, rng, self.p_command)
            n_tokens = len(self.tokenizer(prompt)["input_ids"])
            if self.max_prompt_tokens is not None and n_tokens > self.max_prompt_tokens:
                results[i] = Distortion.rejected(
                    f"prompt has {n_tokens} tokens, over max_prompt_tokens={self.max_prompt_tokens}", command)
                continue
            todo.append((i, prompt, command))
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start:start + self.batch_size]
            continuations = self.generate([prompt for _, prompt, _ in batch], seed=rng.getrandbits(63))
            for (i, _, command), (text, finished) in zip(batch, continuations):
                draft, reason = parse_draft(text, finished, pairs[i][1])
                results[i] = Distortion(draft, command, ("hf",), reason)
        return results

    @torch.no_grad()
    def generate(self, prompts: list[str], seed: int) -> list[tuple[str, bool]]:
        """(continuation, finished) per prompt: the decoded new tokens, and whether the model emitted EOS.

        Sampling draws from a forked torch RNG seeded with `seed`, so the caller's RNG state is untouched.
        """
        device = self.model.device
        batch = self.tokenizer(prompts, return_tensors="pt", padding=True).to(device)
        forked = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=forked):
            torch.manual_seed(seed)
            output = self.model.generate(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                                         max_new_tokens=self.max_new_tokens,
                                         pad_token_id=self.tokenizer.pad_token_id,
                                         eos_token_id=self.tokenizer.eos_token_id, **self.generate_options)
        new_tokens = output[:, batch["input_ids"].shape[1]:]
        texts = self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        finished = (new_tokens == self.tokenizer.eos_token_id).any(dim=1).tolist()
        return list(zip(texts, finished))
