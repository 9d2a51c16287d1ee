"""One real source dataset as params describe it: which loader, its released files, its images, which split.

For example (VQA-v2's validation questions as the held-in test split):

    loader: vqav2
    files: {questions: raw/vqav2/v2_OpenEnded_mscoco_val2014_questions.json,
            annotations: raw/vqav2/v2_mscoco_val2014_annotations.json}
    image_root: raw/coco/val2014
    split: test
    limit: 3000

A source released as one file fills val and test too by holding rows out of its train split (`holdout`; see
`common.hold_out`; a `limit` then caps the rows left in train): e.g. LLaVA's detail_23k.json as train, with 2000
rows for val and 500 for test:

    loader: llava_detail
    files: {data: raw/llava/detail_23k.json, captions: ..., instances: ...}
    image_root: raw/coco/train2017
    split: train
    holdout: {val: 2000, test: 500}

The keys of `files` are the loader's own argument names, checked against its signature, so a config cannot name
a file the loader would not read or leave out one it needs; the error names the key at fault.
"""
from __future__ import annotations

import inspect
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..config import Section
from . import LOADERS, REPLACES
from .common import hold_out


def file_arguments(loader: str) -> tuple[str, ...]:
    """The annotation files a loader reads: its positional parameters (its options are keyword-only)."""
    parameters = inspect.signature(LOADERS[loader]).parameters.values()
    return tuple(p.name for p in parameters if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD)


def takes(loader: str, option: str) -> bool:
    return option in inspect.signature(LOADERS[loader]).parameters


def misplaced(slot: str, configs: list[SourceConfig]) -> list[str]:
    """"<slot>: <loader> fills <its slot>" for each config whose loader fills another toyworld slot than `slot`."""
    return [f"{slot}: {c.loader} fills {REPLACES[c.loader]}" for c in configs if REPLACES[c.loader] != slot]


class Holdout(Section):
    """How many rows of a train source go to the val and the test split instead of train (`common.hold_out`)."""
    val: int = Field(default=0, ge=0, le=10_000_000, description="rows moved to the val split")
    test: int = Field(default=0, ge=0, le=10_000_000, description="rows moved to the test split")


class SourceConfig(Section):
    loader: str = Field(description="a key of pfutils.loaders.LOADERS, e.g. coco, vqav2, llava_detail")
    files: dict[str, str] = Field(description="the loader's annotation files, by its argument names")
    image_root: str | None = Field(default=None, description="folder of the images; none for text-only loaders")
    split: Literal["train", "val", "test"] = Field(description="the schema split the rows are stored under")
    limit: int | None = Field(default=None, ge=1, le=10_000_000,
                              description="at most this many rows in `split`; rows `holdout` moves come on top")
    turns: Literal["first", "all"] | None = Field(
        default=None, description="dialogue loaders: keep each dialogue's first exchange, or every exchange")
    holdout: Holdout | None = Field(
        default=None, description="train sources: rows held out for val and test, chosen by a hash of their id")

    @field_validator("loader")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in LOADERS:
            raise ValueError(f"unknown loader {v!r}; known: {sorted(LOADERS)}")
        return v

    @model_validator(mode="after")
    def _fits_loader(self):
        needed = file_arguments(self.loader)
        if set(self.files) != set(needed):
            raise ValueError(f"files: loader {self.loader!r} reads {list(needed)}, got {sorted(self.files)}")
        if takes(self.loader, "image_root") != (self.image_root is not None):
            state = "needs an image_root" if takes(self.loader, "image_root") else "is text-only, takes no image_root"
            raise ValueError(f"image_root: loader {self.loader!r} {state}")
        if self.turns is not None and not takes(self.loader, "turns"):
            raise ValueError(f"turns: loader {self.loader!r} has no dialogue turns to choose from")
        if self.holdout is not None and self.split != "train":
            raise ValueError(f"holdout: only a train source holds rows out for val and test, not {self.split}")
        return self

    def splits(self) -> list[str]:
        """The schema splits this source fills: its own, and those its `holdout` moves rows to."""
        held = [split for split in ("val", "test") if self.holdout is not None and getattr(self.holdout, split) > 0]
        return [self.split, *held]

    def load(self) -> tuple[list[dict], list[dict]]:
        """(rows, rejects) of this source; with `holdout`, some rows are in the val and test splits.

        With both `limit` and `holdout` the loader reads `limit` + val + test rows, so `limit` caps what stays in
        train (the paper profile's Table 6 counts are train rows) and the held-out rows come on top.
        """
        options = {"image_root": self.image_root, "turns": self.turns}
        held = 0 if self.holdout is None else self.holdout.val + self.holdout.test
        limit = None if self.limit is None else self.limit + held
        rows, rejects = LOADERS[self.loader](**self.files, split=self.split, limit=limit,
                                             **{k: v for k, v in options.items() if v is not None})
        if self.holdout is not None:
            rows = hold_out(rows, self.holdout.val, self.holdout.test)
        return rows, rejects
