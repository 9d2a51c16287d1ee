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
    source = {"loader": "vqav2", "split": "train", "image_root": "raw/coco/train2014", "holdout": {"val": 5, "test": 5},
              "files": {"questions": "q.json", "annotations": "a.json"}}
    good = copy.deepcopy(tiny)
    good["sources"]["real"] = {"vqav2_like": [source]}
    assert validate(good).sources.real["vqav2_like"][0].loader == "vqav2"
    bad = copy.deepcopy(good)
    bad["sources"]["real"] = {"gqa_like": [source]}
    _fails(bad, "sources.real", "vqav2 fills vqav2_like")
    bad["sources"]["real"] = {"vqav2_like": [{**source, "files": {"questions": "q.json"}}]}
    _fails(bad, "sources.real.vqav2_like.0", "files")


def test_an_input_size_the_patches_do_not_tile_fails_before_any_stage(root):
    """ViT-L-14-336's 14-px patches tile 224 px (the paper's ablation), not 230: the params check says so, naming
    the key, instead of stage 06 failing after hours of training."""
    paper = profile_params("paper", root / "params.yaml", root / "profiles")
    assert validate(paper).tuning.recipes["low_resolution"].image_px == 224
    bad = copy.deepcopy(paper)
    bad["tuning"]["recipes"]["low_resolution"]["image_px"] = 230
    _fails(bad, "tuning.recipes.low_resolution.image_px (230) must be a multiple of the patch size of "
                "model.vision's tower (14)")
    bad = copy.deepcopy(paper)
    bad["model"]["vision"]["image_size"] = 230
    _fails(bad, "model.vision: Value error, image_size: 230 is not a multiple of the tower's patch size 14")


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


def test_unknown_top_level_key_is_named(tiny):
    bad = copy.deepcopy(tiny)
    bad["evalution"] = {"samples_per_dataset": 3}
    _fails(bad, "params.yaml: evalution: unknown key")


@pytest.mark.parametrize("key, value", [(("compute", "processes"), "16"), (("compute", "processes"), True),
                                        (("seed",), 1.0), (("toyworld", "typo_rate"), "0.1"),
                                        (("toyworld", "typo_rate"), False), (("compute", "compile_training"), "yes"),
                                        (("compute", "compile_training"), 1), (("rewriting", "datasets"), "coco_like")])
def test_types_are_strict(tiny, key, value):
    """A string is no number, a boolean no count, "yes" or 1 no boolean, a string no list: each fails naming its
    key, where a lax schema would quietly convert it."""
    bad = copy.deepcopy(tiny)
    section = bad
    for part in key[:-1]:
        section = section[part]
    section[key[-1]] = value
    _fails(bad, ".".join(key), repr(value))


def test_integers_are_numbers(tiny):
    good = copy.deepcopy(tiny)
    good["toyworld"]["typo_rate"] = 0
    assert validate(good).toyworld.typo_rate == 0.0


def test_params_file_is_read_as_yaml_1_2_like_dvc(tmp_path, root):
    """DVC reads params.yaml as YAML 1.2; so do the stages: `1e-4` is a number (YAML 1.1 reads a string) and
    `yes` a string (YAML 1.1 reads true), so the stage and DVC never see two different values."""
    text = (root / "params.yaml").read_text()
    path = tmp_path / "params.yaml"
    path.write_text(text.replace("lr: 5.0e-3", "lr: 5e-3", 1))
    assert load_params(path).rewriter.train.lr == 5e-3
    path.write_text(text.replace("compile_training: false", "compile_training: yes", 1))
    with pytest.raises(ParamsError, match="compute.compile_training.*'yes'"):
        load_params(path)


@pytest.mark.parametrize("key, name, split", [
    (("rewriting", "datasets"), "vsr_like", "train"),
    (("rewriting", "val_datasets"), "cc3m_like", "val"),
    (("rewriter", "eval", "vqa_datasets"), "clevr_like", "val"),
    (("tuning", "polite_sources"), "okvqa_like", "train"),
    (("tuning", "second_generation", "datasets"), "nlvr2_like", "train"),
    (("distortion", "sources"), "text_dialogue_like", "test"),
    (("evaluation", "sets", "vqa_held_out"), "gqa_like", "test"),
])
def test_every_dataset_list_names_a_built_split(tiny, key, name, split):
    """Each list of dataset names is checked against what stage 00 builds, with the split the list is read from,
    before any stage runs: the message names the list's key, the dataset and the split."""
    bad = copy.deepcopy(tiny)
    section = bad
    for part in key[:-1]:
        section = section[part]
    section[key[-1]] = [name]
    bad["sources"]["sizes"][name][split] = 0
    _fails(bad, f"{'.'.join(key)}: {name} has no {split} split (sources.sizes.{name}.{split} is 0)")
    bad["sources"]["sizes"].pop(name)
    _fails(bad, f"{'.'.join(key)}: {name} is not built")


def test_a_real_slot_has_the_splits_its_sources_fill(tiny):
    source = {"loader": "vqav2", "split": "train", "image_root": "raw/coco/train2014",
              "files": {"questions": "q.json", "annotations": "a.json"}}
    raw = copy.deepcopy(tiny)
    raw["sources"]["real"] = {"vqav2_like": [source]}
    _fails(raw, "rewriter.eval.vqa_datasets: vqav2_like has no val split (sources.real.vqav2_like fills ['train'])",
           "evaluation.sets.vqa_held_in: vqav2_like has no test split")
    raw["sources"]["real"] = {"vqav2_like": [{**source, "holdout": {"val": 5, "test": 5}}]}
    assert validate(raw).sources.real["vqav2_like"][0].splits() == ["train", "val", "test"]


def test_check_command_exits_naming_the_key_and_writes_its_stamp_only_when_valid(tmp_path, root):
    from pfutils.params import main

    path, stamp = tmp_path / "params.yaml", tmp_path / "stamp.json"
    path.write_text((root / "params.yaml").read_text().replace("processes: 1", "processes: '1'", 1))
    with pytest.raises(SystemExit, match="distortion.processes"):
        main([str(path), "--stamp", str(stamp)])
    assert not stamp.exists()
    path.write_text((root / "params.yaml").read_text())
    main([str(path), "--stamp", str(stamp)])
    written = stamp.read_bytes()
    path.write_text((root / "params.yaml").read_text().replace("processes: 1", "processes: 2", 1))
    main([str(path), "--stamp", str(stamp)])
    assert stamp.read_bytes() == written, "the stamp is the same for every valid file: it reruns nothing"


def test_the_paper_profile_computes_as_the_released_code(root):
    """The paper profile starts from OpenFlamingo-9B: OpenFlamingo v1's masking, vision tokens, BOS and the
    authors' prompt layout; its LoRA stages train Table 4's LoRA + input embeddings."""
    from pfutils.model.behaviour import behaviour
    params = validate(profile_params("paper", root / "params.yaml", root / "profiles"), "paper")
    released = behaviour(params.model.behaviour)
    assert (released.masking, released.vision_tokens, released.bos, released.media_layout) == (
        "next_image", "before_ln_post", True, "after_instruction")
    assert params.rewriter.train.trainable == params.tuning.stage1.train.trainable == "lora+input_embeddings"
    assert params.tuning.stage3.train.trainable == "lora+input_embeddings"
    assert load_params(root / "params.yaml").model.behaviour == "latest_preceding"  # toyworld keeps its own


def test_training_seeds_and_unseen_reward_styles_are_checked(tiny):
    bad = copy.deepcopy(tiny)
    bad["tuning"]["seeds"] = [0, 0]
    _fails(bad, "tuning.seeds", "distinct")
    bad = copy.deepcopy(tiny)
    bad["tuning"]["seeds"] = []
    _fails(bad, "tuning.seeds")
    bad = copy.deepcopy(tiny)
    bad["reward"]["pairs"]["unseen_styles"] = ["answer", "augment"]
    bad["reward"]["pairs"]["styles"] = ["answer", "caption", "lowercase"]
    _fails(bad, "reward.pairs", "unseen_styles")
    bad["reward"]["pairs"]["unseen_styles"] = ["answer", "caption", "lowercase"]
    _fails(bad, "reward.pairs", "no style to train on")
