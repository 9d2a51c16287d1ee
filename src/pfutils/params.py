"""The typed schema of params.yaml, validated at the start of every stage.

Every section is a pydantic model that forbids unknown keys and bounds every number, so a typo or an
out-of-range value stops a stage before it starts, with a message naming the key, e.g.
`params.yaml: toyworld.image_size: Value error, must be a multiple of 3 (the grid), got 64`.
Profiles (`profiles/*.yaml`) are overlays deep-merged onto params.yaml; see `pfutils.profiles`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .toyworld.sources import SOURCES, World
from .toyworld.vocab import GRID


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Count = Annotated[int, Field(ge=0, le=10_000_000)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class Paths(Section):
    """Where stages write; dvc.yaml reads the same keys (`${paths.data}`), so code and pipeline agree."""
    data: str = "data"
    models: str = "models"
    reports: str = "reports"


class ToyWorld(Section):
    image_size: int = Field(60, ge=12, le=1024)
    min_objects: int = Field(1, ge=1, le=GRID * GRID)
    max_objects: int = Field(5, ge=1, le=GRID * GRID)
    p_repeat_shape: Probability = 0.35
    typo_rate: Probability = 0.08

    @field_validator("image_size")
    @classmethod
    def _on_grid(cls, v: int) -> int:
        if v % GRID:
            raise ValueError(f"must be a multiple of {GRID} (the grid), got {v}")
        return v

    @model_validator(mode="after")
    def _range(self):
        if self.min_objects > self.max_objects:
            raise ValueError(f"min_objects ({self.min_objects}) is above max_objects ({self.max_objects})")
        return self

    def world(self) -> World:
        return World(**self.model_dump())


class SplitSizes(Section):
    train: Count = 0
    val: Count = 0
    test: Count = 0


class Sources(Section):
    """Samples per split of every stage-00 dataset (toyworld/sources.py lists them)."""
    sizes: dict[str, SplitSizes]

    @field_validator("sizes")
    @classmethod
    def _known(cls, v: dict) -> dict:
        unknown = sorted(set(v) - set(SOURCES))
        if unknown:
            raise ValueError(f"unknown dataset(s) {unknown}; known: {sorted(SOURCES)}")
        return v


class Params(Section):
    seed: int = Field(0, ge=0)
    paths: Paths = Paths()
    toyworld: ToyWorld
    sources: Sources


class ParamsError(ValueError):
    """params.yaml (or a profile) does not fit the schema; the message names every offending key."""


def _describe(error: ValidationError, origin: str) -> str:
    lines = []
    for e in error.errors():
        key = ".".join(str(part) for part in e["loc"]) or "(top level)"
        got = "" if e["type"] in ("missing", "extra_forbidden") else f" (got {e['input']!r})"
        message = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
        lines.append(f"{origin}: {key}: {message}{got}")
    return "\n".join(lines)


def validate(raw: dict, origin: str = "params") -> Params:
    try:
        return Params.model_validate(raw)
    except ValidationError as error:
        raise ParamsError(_describe(error, origin)) from None


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate a params file; every stage calls this first."""
    path = Path(path)
    with path.open() as f:
        raw = yaml.safe_load(f) or {}
    return validate(raw, str(path))
