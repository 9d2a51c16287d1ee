"""FlamingoConfig: a wrong value fails at once, naming its key."""

import pytest
from model_fixtures import tiny_config
from model_fixtures import one_torch_thread  # noqa: F401  (autouse: one torch thread per test)
from pydantic import ValidationError

from pfutils.model.config import FlamingoConfig


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"cross_attn_every_n_layers": 0}, "cross_attn_every_n_layers"),
        ({"perceiver": {"depth": 0}}, "perceiver.depth"),
        ({"xattn": {"heads": 0}}, "xattn.heads"),
        ({"lora": {"dropout": 1.5}}, "lora.dropout"),
        ({"lora": {"rank": 8}}, "lora.rank"),
        ({"vision": {"name": "ViT-L-14-336", "local_dir": "x"}}, "vision"),
        ({"lm": {}}, "lm"),
    ],
)
def test_invalid_value_names_its_key(overrides, key):
    with pytest.raises(ValidationError) as error:
        tiny_config(**overrides)
    locations = [".".join(str(part) for part in e["loc"]) for e in error.value.errors()]
    assert key in locations


def test_defaults_are_openflamingo_v1_and_guanaco_lora():
    config = FlamingoConfig(vision={"name": "ViT-L-14-336", "pretrained": "openai"}, lm={"name_or_path": "llama"})
    assert config.cross_attn_every_n_layers == 4
    assert (config.perceiver.depth, config.perceiver.num_latents) == (6, 64)
    assert (config.lora.r, config.lora.alpha) == (64, 16.0)
    assert config.only_attend_immediate_media
    assert FlamingoConfig.model_validate(config.model_dump()) == config
