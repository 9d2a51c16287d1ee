"""Hub settings: stages offline unless the profile allows downloads, hub models loaded at the pinned revision,
and the paper profile refusing a hub model without a pin (a fake Hugging Face cache, no network)."""
import os
import subprocess
import sys

import huggingface_hub.constants
import pytest
from test_preflight import GUANACO, MPNET, cache_repo, hub  # noqa: F401 (a fixture)

from pfutils.hub import REVISIONS_VARIABLE, HubParams, apply, hub_location
from pfutils.params import ParamsError, validate
from pfutils.preflight import missing_requirements
from pfutils.profiles import profile_params, write_yaml_atomic

OLD, PINNED = "a" * 40, "b" * 40


@pytest.fixture
def paper_raw(root):
    return profile_params("paper", root / "params.yaml", root / "profiles")


def test_apply_sets_this_process_and_its_children_offline(hub):
    huggingface_hub.constants.HF_HUB_OFFLINE = False
    apply(HubParams(offline=True, pinned_only=False, revisions={MPNET: PINNED}))
    assert huggingface_hub.constants.HF_HUB_OFFLINE and huggingface_hub.is_offline_mode()
    child = subprocess.run([sys.executable, "-c", "import huggingface_hub, os; "
                            "print(huggingface_hub.is_offline_mode(), os.environ['TRANSFORMERS_OFFLINE'])"],
                           capture_output=True, text=True, check=True)
    assert child.stdout.split() == ["True", "1"]
    assert os.environ[REVISIONS_VARIABLE] == f'{{"{MPNET}": "{PINNED}"}}'


def test_a_profile_may_allow_downloads(hub):
    huggingface_hub.constants.HF_HUB_OFFLINE = False
    apply(HubParams(offline=False, pinned_only=False, revisions={}))
    assert not huggingface_hub.constants.HF_HUB_OFFLINE


def test_a_pinned_repo_loads_from_its_pinned_snapshot_not_from_main(hub):
    cache_repo(hub, MPNET, {"config.json": "{}", "model.safetensors": "old"}, commit=OLD)  # main -> OLD
    cache_repo(hub, MPNET, {"config.json": "{}", "model.safetensors": "new"}, commit=PINNED, main=False)
    assert hub_location(MPNET) == MPNET, "an unpinned name goes to the loader as it is"
    apply(HubParams(offline=True, pinned_only=False, revisions={MPNET: PINNED}))
    location = hub_location(MPNET)
    assert location.endswith(PINNED) and open(f"{location}/model.safetensors").read() == "new"


def test_revisions_are_full_commit_hashes(paper_raw):
    paper_raw["hub"]["revisions"] = {MPNET: "main"}
    with pytest.raises(ParamsError, match=f"hub.revisions.{MPNET}"):
        validate(paper_raw, "paper")


def test_the_paper_profile_refuses_unpinned_hub_models_and_checks_the_pinned_commit(paper_raw, hub):
    cache_repo(hub, MPNET, {"config.json": "{}", "model.safetensors": "w"}, commit=OLD)
    unpinned = missing_requirements(validate(paper_raw, "paper"), "rewriter_training")
    assert unpinned == [f"scoring.sts.model: {MPNET} has no pinned revision (hub.pinned_only) -> once downloaded, "
                        "`python -m pfutils.hub params.yaml` prints the hub.revisions to put in the profile"]
    paper_raw["hub"]["revisions"] = {MPNET: PINNED}
    missing = missing_requirements(validate(paper_raw, "paper"), "rewriter_training")
    assert missing == [f"scoring.sts.model: {MPNET} (Hugging Face hub) -> hf download {MPNET} --revision {PINNED}"]
    paper_raw["hub"]["revisions"] = {MPNET: OLD}
    assert missing_requirements(validate(paper_raw, "paper"), "rewriter_training") == []


def test_the_pin_command_prints_the_cached_commits(root, hub):
    cache_repo(hub, GUANACO, {"adapter_config.json": "{}"}, commit=OLD)
    env = {**os.environ, "HF_HUB_CACHE": str(hub)}
    write_yaml_atomic(profile_params("paper", root / "params.yaml", root / "profiles"), hub.parent / "paper.yaml")
    done = subprocess.run([sys.executable, "-m", "pfutils.hub", str(hub.parent / "paper.yaml")], env=env,
                          capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert lines[0] == "  revisions:"
    assert f"    {GUANACO}: {OLD}" in lines
    assert "    # huggyllama/llama-7b: not in" in done.stdout
