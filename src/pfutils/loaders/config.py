"""One real source dataset as params describe it: which loader, its released files, its images, which split.

For example (VQA-v2's validation questions as the held-in test split):

    loader: vqav2
    files: {questions: raw/vqav2/v2_OpenEnded_mscoco_val2014_questions.json,
            annotations: raw/vqav2/v2_mscoco_val2014_annotations.json}
    image_root: raw/coco/val2014
    split: test
    limit: 3000

The keys of `files` are the loader's own argument names, checked against its signature, so a config cannot name
a file the loader would not read or leave out one it needs; the error names the key at fault.
"""
from __future__ import annotations

import inspect
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..config import Section
from . import LOADERS, REPLACES


def file_arguments(loader: str) -> tuple[str, ...]:
    """The annotation files a loader reads: its positional parameters (its options are keyword-only)."""
    parameters = inspect.signature(LOADERS[loader]).parameters.values()
    return tuple(p.name for p in parameters if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD)


def takes(loader: str, option: str) -> bool:
    return option in inspect.signature(LOADERS[loader]).parameters


def misplaced(slot: str, configs: list[SourceConfig]) -> list[str]:
    """"<slot>: <loader> fills <its slot>" for each config whose loader fills another toyworld slot than `slot`."""
    return [f"{slot}: {c.loader} fills {REPLACES[c.loader]}" for c in configs if REPLACES[c.loader] != slot]


class SourceConfig(Section):
    loader: str = Field(description="a key of pfutils.loaders.LOADERS, e.g. coco, vqav2, llava_detail")
    files: dict[str, str] = Field(description="the loader's annotation files, by its argument names")
    image_root: str | None = Field(default=None, description="folder of the images; none for text-only loaders")
    split: Literal["train", "val", "test"] = Field(description="the schema split the rows are stored under")
    limit: int | None = Field(default=None, ge=1, le=10_000_000, description="at most this many rows")
    turns: Literal["first", "all"] | None = Field(
        default=None, description="dialogue loaders: keep each dialogue's first exchange, or every exchange")

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
        return self

    def load(self) -> tuple[list[dict], list[dict]]:
        """(rows, rejects) of this source."""
        options = {"image_root": self.image_root, "turns": self.turns}
        return LOADERS[self.loader](**self.files, split=self.split, limit=self.limit,
                                    **{k: v for k, v in options.items() if v is not None})
