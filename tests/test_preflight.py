"""Preflight: which hub models a stage needs and lacks, against a fake Hugging Face cache (no network)."""

import json
import re

import pytest

from pfutils.params import load_params, validate
from pfutils.preflight import STAGES, MissingModelsError, missing_requirements, require
from pfutils.profiles import profile_params

MPNET = "sentence-transformers/all-mpnet-base-v2"
NLI = "cross-encoder/nli-deberta-v3-base"
REWARD = "OpenAssistant/reward-model-deberta-v3-large-v2"
VIT_L_336_OPENAI = "timm/vit_large_patch14_clip_336.openai"  # open_clip's hub copy of ViT-L-14-336 / openai
OPENFLAMINGO = "openflamingo/OpenFlamingo-9B-deprecated"
GUANACO = "timdettmers/guanaco-7b"


@pytest.fixture
def paper(root):
    """The paper profile without its pins (`hub.pinned_only`), which `test_hub.py` tests: these tests are about
    which models are on the machine."""
    raw = profile_params("paper", root / "params.yaml", root / "profiles")
    raw["hub"]["pinned_only"] = False
    return validate(raw, "paper")


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """An empty hub cache that huggingface_hub would use (HF_HUB_CACHE set after import, as a job's env would);
    the hub settings `require` applies to this process are undone after the test."""
    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    restore_hub_settings(monkeypatch)
    return cache


def restore_hub_settings(monkeypatch) -> None:
    """Lets a test call `pfutils.hub.apply` (which `require` runs): what it sets is put back afterwards."""
    import huggingface_hub.constants

    from pfutils.hub import OFFLINE_VARIABLES, REVISIONS_VARIABLE

    for variable in (*OFFLINE_VARIABLES, REVISIONS_VARIABLE):  # set, then unset: undone, it is as it was
        monkeypatch.setenv(variable, "placeholder")
        monkeypatch.delenv(variable)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", huggingface_hub.constants.HF_HUB_OFFLINE)


def cache_repo(cache, repo_id: str, files: dict[str, str], commit: str = "0123456789abcdef",
               main: bool = True) -> None:
    """A snapshot laid out as huggingface_hub writes it: refs/main -> snapshots/<commit>/<files>."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    if main:
        (repo / "refs").mkdir(parents=True, exist_ok=True)
        (repo / "refs" / "main").write_text(commit)
    for name, content in files.items():
        path = repo / "snapshots" / commit / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def names(lines: list[str]) -> set[str]:
    return {re.match(r"[\w.]+: (?:open_clip )?(\S+)", line).group(1) for line in lines}


def test_stages_are_dvc_yaml_stages(root):
    import yaml

    assert tuple(yaml.safe_load((root / "dvc.yaml").read_text())["stages"]) == STAGES


def test_each_evaluation_and_table3_need_their_own_scorers(paper, hub):
    """Evaluating a model needs the judge, the STS and the reward model, not the CLIP filter's model; Table 3's
    stage needs CLIP (and the reward model) whether or not the filter is enabled."""
    assert names(missing_requirements(paper, "evaluate")) == {MPNET, NLI, REWARD}
    no_clip_filter = paper.model_copy(update={"filtering": paper.filtering.model_copy(update={
        "clip": paper.filtering.clip.model_copy(update={"enabled": False})})})
    assert names(missing_requirements(no_clip_filter, "second_generation")) == {"ViT-L-14-336", REWARD}
    assert "ViT-L-14-336" not in names(missing_requirements(no_clip_filter, "filtering"))


def test_tiny_profile_needs_nothing(root, hub):
    params = load_params(root / "params.yaml")
    for stage in STAGES:
        assert missing_requirements(params, stage) == [], stage
        require(params, stage)


def test_present_and_absent_models(paper, hub):
    cache_repo(hub, MPNET, {"config.json": "{}", "model.safetensors": "w"})
    assert missing_requirements(paper, "rewriter_training") == []
    missing = missing_requirements(paper, "filtering")
    assert names(missing) == {"ViT-L-14-336", NLI, REWARD}
    assert f"scoring.nli.model: {NLI} (Hugging Face hub) -> hf download {NLI}" in missing
    assert any("open_clip.create_model('ViT-L-14-336', pretrained='openai')" in line for line in missing)


def test_open_clip_tag_is_found_where_open_clip_looks(paper, hub):
    cache_repo(hub, VIT_L_336_OPENAI, {"open_clip_model.safetensors": "w"})
    assert "ViT-L-14-336" not in names(missing_requirements(paper, "filtering"))
    assert names(missing_requirements(paper, "base_models")) == {"huggyllama/llama-7b", OPENFLAMINGO, GUANACO}


def test_the_start_adapter_is_a_peft_adapter_repo_or_a_local_directory(paper, hub, tmp_path):
    assert (f"base.openflamingo.lora_adapter: {GUANACO} (Hugging Face hub) -> hf download {GUANACO}"
            in missing_requirements(paper, "base_models"))
    cache_repo(hub, GUANACO, {"adapter_config.json": "{}"})  # config fetched, weights never
    assert GUANACO in names(missing_requirements(paper, "base_models"))
    snapshot = hub / f"models--{GUANACO.replace('/', '--')}" / "snapshots" / "0123456789abcdef"
    (snapshot / "adapter_model.bin").write_text("w")
    assert GUANACO not in names(missing_requirements(paper, "base_models"))
    for adapter in (str(tmp_path), ""):  # a local directory, or none
        params = paper.model_copy(update={"base": paper.base.model_copy(update={
            "openflamingo": paper.base.openflamingo.model_copy(update={"lora_adapter": adapter})})})
        assert "lora_adapter" not in " ".join(missing_requirements(params, "base_models"))


def test_openflamingo_checkpoint_is_one_file_of_its_repo_or_a_local_file(paper, hub, tmp_path):
    missing = missing_requirements(paper, "base_models")
    assert (f"base.openflamingo.checkpoint: {OPENFLAMINGO} checkpoint.pt (Hugging Face hub) -> "
            f"hf download {OPENFLAMINGO} checkpoint.pt") in missing
    cache_repo(hub, OPENFLAMINGO, {"README.md": "no weights here"})
    assert OPENFLAMINGO in names(missing_requirements(paper, "base_models"))
    snapshot = hub / f"models--{OPENFLAMINGO.replace('/', '--')}" / "snapshots" / "0123456789abcdef"
    (snapshot / "checkpoint.pt").write_text("w")
    assert OPENFLAMINGO not in names(missing_requirements(paper, "base_models"))
    local = tmp_path / "of9b.pt"
    local.write_text("w")
    params = paper.model_copy(update={"base": paper.base.model_copy(update={
        "openflamingo": paper.base.openflamingo.model_copy(update={"checkpoint": str(local)})})})
    assert "base.openflamingo.checkpoint" not in " ".join(missing_requirements(params, "base_models"))


def test_incomplete_snapshots_are_missing(paper, hub):
    cache_repo(hub, MPNET, {"config.json": "{}"})  # config fetched, weights never
    index = {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
    cache_repo(hub, REWARD, {"config.json": "{}", "model.safetensors.index.json": json.dumps(index),
                             "model-00001-of-00002.safetensors": "w"})  # one shard of two
    assert names(missing_requirements(paper, "rewriter_training")) == {MPNET}
    assert names(missing_requirements(paper, "reward_model")) == {REWARD}


def test_hf_home_locates_the_cache(paper, tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    cache_repo(tmp_path / "home" / "hub", MPNET, {"config.json": "{}", "pytorch_model.bin": "w"})
    assert missing_requirements(paper, "rewriter_training") == []


def test_require_lists_everything_missing_at_once(paper, hub):
    with pytest.raises(MissingModelsError) as error:
        require(paper, "filtering")
    message = str(error.value)
    assert "stage 'filtering' needs 4 model(s)" in message and str(hub) in message
    for name in (MPNET, NLI, REWARD, "ViT-L-14-336"):
        assert name in message
    assert message.count("hf download") == 3


def test_local_paths_and_unknown_stages(paper, hub, tmp_path):
    local = tmp_path / "my-mpnet"
    local.mkdir()
    params = paper.model_copy(update={"scoring": paper.scoring.model_copy(
        update={"sts": paper.scoring.sts.model_copy(update={"model": str(local)})})})
    assert missing_requirements(params, "rewriter_training") == []
    nowhere = params.model_copy(update={"scoring": params.scoring.model_copy(
        update={"sts": params.scoring.sts.model_copy(update={"model": "./no/such/dir"})})})
    assert missing_requirements(nowhere, "rewriter_training") == [
        "scoring.sts.model: ./no/such/dir is neither a local path that exists nor a hub name -> fix the key"]
    with pytest.raises(ValueError, match="unknown stage 'filter'"):
        missing_requirements(paper, "filter")
