"""UltraChat and ShareGPT: the polite text-only sources (ChatGPT dialogues), distorted in Section 3.1 (76k
samples with UltraChat/ShareGPT) and tuned on in stages 1 and 3. Samples have no image.

Released formats: UltraChat (stingning/ultrachat) is JSON lines of {"id", "data": [human, assistant, human, ...]};
ShareGPT (the Vicuna dump) is a JSON list of {"id", "conversations": [{"from": "human" | "gpt", "value"}]}.
"""
from __future__ import annotations

from pathlib import Path

from .common import (
    Collector,
    Download,
    Malformed,
    check_turns,
    exchanges,
    listed,
    read_json,
    read_jsonl,
)

ULTRACHAT = Download("UltraChat", "https://huggingface.co/datasets/stingning/ultrachat")
SHAREGPT = Download("ShareGPT (ShareGPT_V3_unfiltered_cleaned_split.json)",
                    "https://huggingface.co/datasets/anon8231489123/ShareGPT_Vicuna_unfiltered")


def load_ultrachat(data: str | Path, *, split: str, limit: int | None = None,
                   turns: str = "first") -> tuple[list[dict], list[dict]]:
    """One sample per dialogue (its first exchange), or per exchange with `turns="all"`."""
    keep = check_turns(turns)
    out = Collector("ultrachat", "polite_text", split, limit)

    def rows_of(record: dict):
        texts = record["data"]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise Malformed("'data' is not a list of strings")
        # UltraChat alternates strictly, so its turns are the ShareGPT-style turns with the roles by position.
        roles = [{"from": "human" if i % 2 == 0 else "gpt", "value": t} for i, t in enumerate(texts)]
        for instruction, response in exchanges(roles, keep):
            yield [], {"task": "dialogue", "instruction": instruction, "response": response}

    return out.collect(read_jsonl(data, "UltraChat JSON-lines file", ULTRACHAT, "id"), rows_of)


def load_sharegpt(data: str | Path, *, split: str, limit: int | None = None,
                  turns: str = "first") -> tuple[list[dict], list[dict]]:
    """One sample per conversation (its first human->gpt exchange), or per exchange with `turns="all"`."""
    keep = check_turns(turns)
    records = listed(read_json(data, "ShareGPT JSON file", SHAREGPT), data, "ShareGPT file", "id")
    out = Collector("sharegpt", "polite_text", split, limit)

    def rows_of(record: dict):
        for instruction, response in exchanges(record["conversations"], keep):
            yield [], {"task": "dialogue", "instruction": instruction, "response": response}

    return out.collect(records, rows_of)
