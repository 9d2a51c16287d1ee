"""The accelerate configs are ones `accelerate launch` accepts, with the ranks their names promise, and the README
beside them names only launchable modules and shows the very command `pfutils.launch` runs."""

import importlib
import re

import pytest
from accelerate.commands.config.config_args import load_config_from_file

from pfutils import launch


@pytest.mark.parametrize("name, machines, processes", [("ddp_1node_8gpu", 1, 8), ("ddp_2node_8gpu", 2, 16)])
def test_config_loads_with_the_promised_ranks(root, name, machines, processes):
    config = load_config_from_file(str(root / "configs" / "accelerate" / f"{name}.yaml"))
    assert config.distributed_type == "MULTI_GPU" and config.mixed_precision == "bf16"
    assert (config.num_machines, config.num_processes) == (machines, processes)
    assert config.fsdp_config == {} and config.deepspeed_config == {}, "sharding is compute.shard_frozen_weights"


def test_readme_commands_name_launchable_modules(root, monkeypatch):
    readme = (root / "configs" / "accelerate" / "README.md").read_text()
    modules = set(re.findall(r"-m (?:pfutils\.launch )?(pfutils[\w.]+)", readme))
    assert modules == {"pfutils.rewriting.train", "pfutils.rewriting.run", "pfutils.tuning.run"}
    for module in modules:
        assert callable(importlib.import_module(module).main)
    launched = []
    monkeypatch.setattr(launch.subprocess, "run", lambda command, **kwargs: launched.append(command))
    launch.run_module("pfutils.tuning.run", "params.yaml", 8, "--model", "stage1", "--seed", "0")
    command = launched[0]
    assert command[0].endswith("torchrun")
    assert " ".join(["torchrun", *command[1:]]) in readme, "the README shows the command run_module runs"
    assert command[1:4] == ["--standalone", "--nproc_per_node", "8"]
