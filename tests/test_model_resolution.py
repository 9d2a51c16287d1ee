"""A vision tower built at another input size (Figure 9's 224 px ablation): its grid, its preprocessing, a saved
model that keeps the size."""

import pytest
import torch
import torch.nn.functional as F
from model_fixtures import TINY_CLIP, save_open_clip_dir, tiny_config, tiny_tokenizer
from model_fixtures import one_torch_thread  # noqa: F401  (autouse: one torch thread per test)
from PIL import Image

from pfutils.model.build import build_flamingo
from pfutils.model.checkpoint import load_flamingo, save_flamingo
from pfutils.model.build import vision_tower
from pfutils.model.config import VisionTowerConfig
from pfutils.model.images import image_transform
from pfutils.model.resolution import resize_tower, set_image_size

# toyworld's shape: 60 px images, one 20 px patch per grid cell
CLIP_60 = {**TINY_CLIP, "vision_cfg": {**TINY_CLIP["vision_cfg"], "image_size": 60, "patch_size": 20}}
CARD = dict(title="Tiny Flamingo", description="A test model.", data="none", params={})


def tower_60(seed: int = 0):
    torch.manual_seed(seed)
    return vision_tower(VisionTowerConfig(open_clip_cfg=CLIP_60))


def patch_tokens(tower, size: int) -> torch.Tensor:
    tower.output_tokens = True
    with torch.no_grad():
        return tower(torch.randn(2, 3, size, size))[1]


def test_a_tower_resized_to_40_px_reads_a_2x2_grid_and_its_transform_makes_40_px_images():
    tower = tower_60()
    before = tower.positional_embedding.detach().clone()
    assert patch_tokens(tower, 60).shape == (2, 9, 32)
    resize_tower(tower, 40)
    assert tower.image_size == (40, 40) and tower.grid_size == (2, 2)
    assert patch_tokens(tower, 40).shape == (2, 4, 32)
    assert image_transform(tower)(Image.new("RGB", (60, 60), "red")).shape == (3, 40, 40)
    after = tower.positional_embedding.detach()
    assert torch.equal(after[0], before[0]), "the class token's embedding is kept"
    grid = before[1:].reshape(1, 3, 3, 32).permute(0, 3, 1, 2)
    expected = F.interpolate(grid, size=(2, 2), mode="bicubic", antialias=True, align_corners=False)
    torch.testing.assert_close(after[1:], expected.permute(0, 2, 3, 1).reshape(4, 32))


def test_resizing_to_the_towers_own_size_changes_nothing():
    tower = tower_60()
    state = {name: t.clone() for name, t in tower.state_dict().items()}
    embedding = tower.positional_embedding
    resize_tower(tower, 60)
    assert tower.positional_embedding is embedding and tower.grid_size == (3, 3)
    assert all(torch.equal(t, state[name]) for name, t in tower.state_dict().items())


def test_a_size_the_patches_do_not_tile_fails_naming_the_key(tmp_path):
    with pytest.raises(ValueError, match=r"image_size 50 is not a multiple of the tower's patch size \(20, 20\)"):
        resize_tower(tower_60(), 50)
    with pytest.raises(ValueError, match="image_size: 50 is not a multiple of the tower's patch size 20"):
        VisionTowerConfig(open_clip_cfg=CLIP_60, image_size=50)  # the config says the patch size: fails at once
    save_open_clip_dir(tmp_path / "clip", clip_config=CLIP_60)
    with pytest.raises(ValueError, match="image_size: 50 is not a multiple"):
        VisionTowerConfig(local_dir=str(tmp_path / "clip"), image_size=50)
    later = VisionTowerConfig(local_dir=str(tmp_path / "not_yet"), image_size=50)  # nothing to read: at build
    with pytest.raises(ValueError, match=r"vision.image_size: image_size 50 is not a multiple"):
        vision_tower(later.model_copy(update={"local_dir": str(tmp_path / "clip")}))


def test_a_tower_configured_at_40_px_is_the_60_px_tower_resized():
    resized = tower_60()
    resize_tower(resized, 40)
    torch.manual_seed(0)
    built = vision_tower(VisionTowerConfig(open_clip_cfg=CLIP_60, image_size=40))
    assert all(torch.equal(t, resized.state_dict()[name]) for name, t in built.state_dict().items())


@pytest.mark.parametrize("save_vision", [False, True])
def test_a_saved_and_reloaded_model_keeps_its_40_px_input(tmp_path, save_vision):
    """Without its tower's weights the model is rebuilt from the CLIP directory and resized again; with them,
    the saved (resized) weights load into the tower built at 40 px."""
    save_open_clip_dir(tmp_path / "clip", clip_config=CLIP_60)
    torch.manual_seed(0)
    model, tokenizer = build_flamingo(tiny_config(vision={"local_dir": str(tmp_path / "clip")}), tiny_tokenizer(),
                                      device="cpu", dtype=torch.float32)
    set_image_size(model, 40)
    assert model.image_size == (40, 40) and model.config.vision.image_size == 40
    save_flamingo(model, tmp_path / "model", tokenizer, save_lm=True, save_vision=save_vision, **CARD)
    loaded, _ = load_flamingo(tmp_path / "model", device="cpu", dtype=torch.float32)
    assert loaded.image_size == (40, 40) and loaded.config.vision.image_size == 40
    assert image_transform(loaded.vision_encoder)(Image.new("RGB", (60, 60))).shape == (3, 40, 40)
    assert all(torch.equal(t, model.vision_encoder.state_dict()[name])
               for name, t in loaded.vision_encoder.state_dict().items())
