"""The typed schema of params.yaml, validated at the start of every stage.

Every section is a pydantic model that forbids unknown keys, bounds every number and has no defaults (params.yaml
states every value, so DVC sees every value a stage depends on). Types are strict: "16" is not a number, nor
`true` a count, nor "yes" a boolean. The file is read as YAML 1.2, as DVC reads it, so `yes` is a string and
`1e-5` a number. Every list of dataset names must name datasets that stage 00 builds with the split that list is
read from. A typo or an out-of-range value stops the run before it starts, with a message naming the key, e.g.
`params.yaml: toyworld.image_size: Value error, must be a multiple of 3 (the grid), got 64`.
`python -m pfutils.params` checks a file; dvc.yaml's first stage runs it, so a bad value stops `dvc repro`
before DVC deletes any stage's outputs. Profiles (`profiles/*.yaml`) are overlays deep-merged onto params.yaml;
see `pfutils.profiles`.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML

from .config import Section
from .distortion.config import DistortionParams
from .evaluation.config import EvaluationParams
from .figures.config import ClaimsParams
from .filtering.config import FilteringConfig
from .hub import HubParams
from .loaders.config import SourceConfig, misplaced
from .model.config import FlamingoConfig
from .params_reads import LOG_ENV, record_reads
from .reward.config import RewardParams
from .rewriting.config import RewriterParams, RewritingParams
from .scoring.config import ScoringParams
from .storage import write_json
from .toyworld.scene import World
from .toyworld.sources import SOURCES
from .toyworld.vocab import GRID
from .training.config import TrainConfig
from .tuning.config import TuningParams

Count = Annotated[int, Field(ge=0, le=10_000_000)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class Paths(Section):
    """Where stages write; dvc.yaml reads the same keys (`${paths.data}`), so code and pipeline agree."""
    data: str
    models: str
    reports: str


class ToyWorld(Section):
    image_size: int = Field(ge=12, le=1024)
    min_objects: int = Field(ge=1, le=GRID * GRID)
    max_objects: int = Field(ge=1, le=GRID * GRID)
    p_repeat_shape: Probability
    jitter: Probability
    typo_rate: Probability

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
    train: Count
    val: Count
    test: Count


class Sources(Section):
    """Stage 00's datasets: toyworld samples per split (toyworld/sources.py lists them), and the real datasets
    that replace some of them in the paper profile (`real`: slot -> its real sources, each filling one split or,
    with `holdout`, a train split and rows held out of it for val and test; see pfutils.loaders.stage). A slot
    filled with real data ignores its toyworld size."""
    sizes: dict[str, SplitSizes]
    real: dict[str, list[SourceConfig]]

    @field_validator("sizes", "real")
    @classmethod
    def _known(cls, v: dict) -> dict:
        unknown = sorted(set(v) - set(SOURCES))
        if unknown:
            raise ValueError(f"unknown dataset(s) {unknown}; known: {sorted(SOURCES)}")
        return v

    @field_validator("real")
    @classmethod
    def _fills_its_slot(cls, v: dict) -> dict:
        wrong = [line for slot, configs in v.items() for line in misplaced(slot, configs)]
        if wrong:
            raise ValueError(f"loader placed in the wrong slot: {wrong}")
        return v

    def missing_split(self, name: str, splits: tuple[str, ...]) -> list[str]:
        """Why stage 00 would not build `splits` of dataset `name` (one line per split it lacks), or []."""
        if name not in self.sizes:
            return [f"{name} is not built (not in sources.sizes)"]
        if name in self.real:
            filled = {split for config in self.real[name] for split in config.splits()}
            return [f"{name} has no {split} split (sources.real.{name} fills {sorted(filled)})"
                    for split in splits if split not in filled]
        return [f"{name} has no {split} split (sources.sizes.{name}.{split} is 0)"
                for split in splits if getattr(self.sizes[name], split) == 0]


class Corpus(Section):
    """How much toyworld the base models see (scenes from their own seed space, disjoint from stage 00's)."""
    lm_scenes: Count
    proofreading_per_scene: int = Field(ge=0, le=100)  # proofreading exchanges on each scene's prose (copying)
    dialogues: Count
    clip_pairs: Count
    single_object_share: Probability
    twin_share: Probability  # share of CLIP pairs that are position hard negatives
    caption_sequences: Count
    max_images: int = Field(ge=1, le=16)


class TokenizerParams(Section):
    vocab_size: int = Field(ge=300, le=1_000_000)
    model_max_length: int = Field(ge=16, le=1_000_000)


class ClipParams(Section):
    patch_size: int = Field(ge=1, le=1024)
    width: int = Field(ge=8, le=8192)
    layers: int = Field(ge=1, le=128)
    heads: int = Field(ge=1, le=128)
    text_width: int = Field(ge=8, le=8192)
    text_layers: int = Field(ge=1, le=128)
    text_heads: int = Field(ge=1, le=128)
    embed_dim: int = Field(ge=8, le=8192)
    context_length: int = Field(ge=4, le=1024)
    steps: int = Field(ge=1, le=10_000_000)
    batch_size: int = Field(ge=2, le=1_000_000)
    lr: float = Field(gt=0, le=1)
    warmup: int = Field(ge=0, le=10_000_000)


class LmParams(Section):
    hidden_size: int = Field(ge=8, le=65536)
    layers: int = Field(ge=1, le=512)
    heads: int = Field(ge=1, le=512)
    intermediate_size: int = Field(ge=8, le=262144)
    max_positions: int = Field(ge=16, le=1_000_000)
    block: int = Field(ge=8, le=1_000_000)
    steps: int = Field(ge=1, le=10_000_000)
    batch_size: int = Field(ge=1, le=1_000_000)
    lr: float = Field(gt=0, le=1)
    warmup: int = Field(ge=0, le=10_000_000)


class BaseEval(Section):
    images: int = Field(ge=10, le=1_000_000)
    max_new_tokens: int = Field(ge=1, le=4096)


class OpenFlamingoSource(Section):
    """Where `00b_openflamingo` finds the OpenFlamingo-9B weights (perceiver, XATTN, embeddings)."""
    checkpoint: str = Field(min_length=1, description="a local .pt / .safetensors file, or a Hugging Face repo")
    file: str = Field(min_length=1, description="the checkpoint's file in that repo (ignored for a local file)")
    lora_adapter: str = Field(description="a peft LoRA adapter (hub repo or local directory) attached to the LM, "
                                          "the adapter every LoRA stage starts from (the paper: Guanaco-7B's QLoRA); "
                                          "empty: none, those stages start from a fresh one")


class Base(Section):
    """Stage 00b: the base models. `00b_base_models` trains the tiny profile's from scratch on toyworld
    (pfutils.pretrain, the sections below); `00b_openflamingo` loads OpenFlamingo-9B (the paper profile)."""
    notebook: Literal["00b_base_models", "00b_openflamingo"]
    openflamingo: OpenFlamingoSource
    corpus: Corpus
    tokenizer: TokenizerParams
    clip: ClipParams
    lm: LmParams
    captioning: TrainConfig
    eval: BaseEval


class Compute(Section):
    processes: int = Field(ge=1, le=4096, description="processes per training/rewriting job (GPUs, or CPU ranks)")
    compile_training: bool = Field(description="torch.compile the LM's decoder layers when training (regional "
                                               "compilation): faster on GPUs, slower than eager on a small CPU run")
    shard_frozen_weights: bool = Field(description="with several processes, split the frozen weights (the LM, the "
                                                   "vision tower) over them with FSDP2; trained ones stay whole")
    seed_jobs: int = Field(ge=1, le=64, description="on a CPU with one process per job, how many training seeds' "
                                                    "jobs run at once, each on cores // seed_jobs threads")


class Params(Section):
    seed: int = Field(ge=0)
    paths: Paths
    compute: Compute
    hub: HubParams
    toyworld: ToyWorld
    sources: Sources
    base: Base
    model: FlamingoConfig
    distortion: DistortionParams
    rewriter: RewriterParams
    rewriting: RewritingParams
    scoring: ScoringParams
    filtering: FilteringConfig
    reward: RewardParams
    tuning: TuningParams
    evaluation: EvaluationParams
    claims: ClaimsParams

    @model_validator(mode="after")
    def _patches_tile_the_image(self):
        if self.toyworld.image_size % self.base.clip.patch_size:
            raise ValueError(f"base.clip.patch_size ({self.base.clip.patch_size}) must divide "
                             f"toyworld.image_size ({self.toyworld.image_size})")
        return self

    @model_validator(mode="after")
    def _resized_towers_on_patches(self):
        """A recipe with image_px (the low_resolution ablation) resizes model.vision's tower: a size its patches do
        not tile would fail only when its tune stage starts, after hours of training the others."""
        patch = self.model.vision.declared_patch_size()
        for name, recipe in self.tuning.recipes.items():
            if patch and recipe.image_px is not None and recipe.image_px % patch:
                raise ValueError(f"tuning.recipes.{name}.image_px ({recipe.image_px}) must be a multiple of the "
                                 f"patch size of model.vision's tower ({patch})")
        return self

    @model_validator(mode="after")
    def _dataset_lists_name_built_splits(self):
        problems = [f"{key}: {problem}" for key, (names, splits) in self.dataset_lists().items()
                    for name in names for problem in self.sources.missing_split(name, splits)]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def dataset_lists(self) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        """Every params list of dataset names: key -> (names, the splits the stages read of each)."""
        polite_splits = ("train", "val", "test") if self.reward.backend == "trained" else ("train", "test")
        lists = {
            "distortion.sources": (self.distortion.sources, polite_splits),  # 01: train, test; 04a: val
            "rewriter.eval.vqa_datasets": (self.rewriter.eval.vqa_datasets, ("val",)),
            "rewriting.datasets": (self.rewriting.datasets, ("train",)),
            "rewriting.val_datasets": (self.rewriting.val_datasets, ("val",)),
            "tuning.polite_sources": (self.tuning.polite_sources, ("train",)),
            "tuning.second_generation.datasets": (self.tuning.second_generation.datasets, ("train",)),
        }
        for task, names in self.evaluation.sets.model_dump().items():
            lists[f"evaluation.sets.{task}"] = (names, ("test",))
        return lists


class ParamsError(ValueError):
    """params.yaml (or a profile) does not fit the schema; the message names every offending key."""


def _describe(error: ValidationError, origin: str) -> str:
    lines = []
    for e in error.errors():
        if not e["loc"]:  # a check across sections: its message names the keys, one problem a line
            lines += [f"{origin}: {line}" for line in e["msg"].removeprefix("Value error, ").splitlines()]
            continue
        key = ".".join(str(part) for part in e["loc"])
        got = "" if e["type"] in ("missing", "extra_forbidden") else f" (got {e['input']!r})"
        message = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
        lines.append(f"{origin}: {key}: {message}{got}")
    return "\n".join(lines)


def validate(raw: dict, origin: str = "params") -> Params:
    """`raw` checked against the schema, strictly: validated as the JSON it is, so a YAML list is a tuple but a
    string is never a number nor a number a boolean."""
    try:
        return Params.model_validate_json(json.dumps(raw, default=str), strict=True)
    except ValidationError as error:
        raise ParamsError(_describe(error, origin)) from None


def read_params_file(path: str | Path) -> dict:
    """A params file as DVC reads it (YAML 1.2: `yes` and `on` are strings, `1e-5` is a number)."""
    return YAML(typ="safe", pure=True).load(Path(path).read_text()) or {}


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate a params file; every stage calls this first. With PFUTILS_PARAMS_LOG set, the keys this
    process then reads are recorded there (`pfutils.params_reads`: how the pipeline test checks dvc.yaml)."""
    params = validate(read_params_file(path), str(path))
    if os.environ.get(LOG_ENV):
        record_reads(params, os.environ[LOG_ENV])
    return params


def main(argv: list[str] | None = None) -> None:
    """`python -m pfutils.params [params.yaml] [--stamp FILE]`: exit 1 naming every bad key, else say the file is
    valid (and write FILE, the stamp every dvc.yaml stage depends on: the same bytes for every valid file)."""
    parser = argparse.ArgumentParser(description="Validate a params file against the pipeline's schema.")
    parser.add_argument("params", nargs="?", default="params.yaml")
    parser.add_argument("--stamp", type=Path, help="written when the file is valid")
    args = parser.parse_args(argv)
    try:
        load_params(args.params)
    except ParamsError as error:
        sys.exit(str(error))
    if args.stamp:
        write_json({"valid": True}, args.stamp)
    print(f"{args.params}: valid")


if __name__ == "__main__":
    main()
