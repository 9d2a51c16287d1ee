"""The params schema: both profiles validate; every kind of bad value fails naming its key."""
import copy

import pytest
import yaml

from pfutils.params import ParamsError, load_params, validate
from pfutils.profiles import deep_merge, profile_params


@pytest.fixture
def tiny(root) -> dict:
    return yaml.safe_load((root / "params.yaml").read_text())


def test_tiny_profile_validates(root):
    params = load_params(root / "params.yaml")
    assert params.toyworld.image_size % 3 == 0


@pytest.mark.parametrize("profile", ["paper", "smoke", "gpu-small"])
def test_overlay_profiles_validate(root, profile):
    merged = profile_params(profile, root / "params.yaml", root / "profiles")
    validate(merged, profile)


def _fails(raw: dict, *fragments: str) -> None:
    with pytest.raises(ParamsError) as error:
        validate(raw, "params.yaml")
    for fragment in fragments:
        assert fragment in str(error.value), str(error.value)


def test_unknown_key_is_named(tiny):
    bad = copy.deepcopy(tiny)
    bad["toyworld"]["imagesize"] = 60
    _fails(bad, "toyworld.imagesize", "unknown key")


def test_wrong_type_is_named(tiny):
    bad = copy.deepcopy(tiny)
    bad["toyworld"]["max_objects"] = "many"
    _fails(bad, "toyworld.max_objects", "'many'")


def test_out_of_range_is_named(tiny):
    bad = copy.deepcopy(tiny)
    bad["toyworld"]["typo_rate"] = 1.5
    _fails(bad, "toyworld.typo_rate", "less than or equal to 1")
    bad = copy.deepcopy(tiny)
    bad["toyworld"]["image_size"] = 64
    _fails(bad, "toyworld.image_size", "multiple of 3")


def test_unknown_dataset_and_missing_section_are_named(tiny):
    bad = copy.deepcopy(tiny)
    bad["sources"]["sizes"]["coco"] = {"train": 1}
    _fails(bad, "sources.sizes", "coco")
    bad = copy.deepcopy(tiny)
    del bad["toyworld"]
    _fails(bad, "toyworld: Field required")


def test_real_sources_are_checked_against_their_slot(tiny):
    source = {"loader": "vqav2", "split": "train", "image_root": "raw/coco/train2014",
              "files": {"questions": "q.json", "annotations": "a.json"}}
    good = copy.deepcopy(tiny)
    good["sources"]["real"] = {"vqav2_like": [source]}
    assert validate(good).sources.real["vqav2_like"][0].loader == "vqav2"
    bad = copy.deepcopy(good)
    bad["sources"]["real"] = {"gqa_like": [source]}
    _fails(bad, "sources.real", "vqav2 fills vqav2_like")
    bad["sources"]["real"] = {"vqav2_like": [{**source, "files": {"questions": "q.json"}}]}
    _fails(bad, "sources.real.vqav2_like.0", "files")


def test_deep_merge_only_overrides_given_keys():
    merged = deep_merge({"a": {"b": 1, "c": 2}, "d": 3}, {"a": {"b": 5}})
    assert merged == {"a": {"b": 5, "c": 2}, "d": 3}


def _missing_keys(model_dump: dict, raw: dict, prefix: str = "") -> list[str]:
    missing = []
    for key, value in model_dump.items():
        if key not in raw:
            missing.append(prefix + key)
        elif isinstance(value, dict) and isinstance(raw[key], dict):
            missing += _missing_keys(value, raw[key], f"{prefix}{key}.")
    return missing


def test_params_yaml_states_every_value(tiny):
    """A value left to a schema default is invisible to DVC's params tracking: params.yaml must state them all."""
    dump = validate(tiny).model_dump(exclude_none=True)
    assert _missing_keys(dump, tiny) == []


def test_profile_switch_command_writes_a_valid_params_file(tmp_path, root):
    from pfutils.profiles import main

    (tmp_path / "profiles").mkdir()
    params = tmp_path / "params.yaml"
    params.write_text((root / "params.yaml").read_text())
    (tmp_path / "profiles" / "paper.yaml").write_text((root / "profiles" / "paper.yaml").read_text())
    main(["paper", "--params", str(params), "--profiles-dir", str(tmp_path / "profiles")])
    switched = load_params(params)
    assert switched.model.vision.name == "ViT-L-14-336" and switched.model.cross_attn_every_n_layers == 4
    assert switched.tuning.stage3.train.lr == 1e-5 and switched.reward.backend == "hf"
    assert "# Parameters of the whole pipeline" in params.read_text(), "comments must survive the switch"
    with pytest.raises(SystemExit, match="no profile"):
        main(["nope", "--params", str(params), "--profiles-dir", str(tmp_path / "profiles")])
