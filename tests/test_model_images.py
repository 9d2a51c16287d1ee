"""Image preprocessing follows the tower (size, mean, std) and is deterministic."""

import torch
from model_fixtures import TINY_CLIP, save_open_clip_dir
from model_fixtures import one_torch_thread  # noqa: F401  (autouse: one torch thread per test)
from PIL import Image

from pfutils.model.build import vision_tower
from pfutils.model.config import VisionTowerConfig
from pfutils.model.images import image_transform, images_tensor


def test_transform_uses_the_towers_size_and_normalisation(tmp_path):
    save_open_clip_dir(tmp_path / "clip")
    tower = vision_tower(VisionTowerConfig(local_dir=str(tmp_path / "clip")))
    transform = image_transform(tower)
    grey = Image.new("RGB", (50, 40), (128, 128, 128))
    pixels = transform(grey)
    assert pixels.shape == (3, 32, 32)
    torch.testing.assert_close(pixels, torch.full((3, 32, 32), (128 / 255 - 0.5) / 0.25))
    assert torch.equal(transform(grey), pixels)


def test_images_tensor_pads_samples_to_the_most_images():
    tiny = {**TINY_CLIP, "vision_cfg": {**TINY_CLIP["vision_cfg"], "image_size": 16}}
    tower = vision_tower(VisionTowerConfig(open_clip_cfg=tiny))
    red, blue = Image.new("RGB", (20, 20), "red"), Image.new("L", (30, 20), 90)
    images, mask = images_tensor([[red], [red, blue], []], image_transform(tower))
    assert images.shape == (3, 2, 3, 16, 16)
    assert mask.tolist() == [[True, False], [True, True], [False, False]]
    assert images[0, 1].abs().sum() == 0 and torch.equal(images[0, 0], images[1, 0])
    empty, empty_mask = images_tensor([[], []], image_transform(tower))
    assert empty.shape == (2, 0, 3, 16, 16) and empty_mask.shape == (2, 0)


def test_stored_images_are_decoded_in_the_batch_as_decoded_ones_are(tmp_path):
    """Rows read with `undecoded` carry an image as its file path or its encoded bytes; the batch decodes it."""
    tiny = {**TINY_CLIP, "vision_cfg": {**TINY_CLIP["vision_cfg"], "image_size": 16}}
    transform = image_transform(vision_tower(VisionTowerConfig(open_clip_cfg=tiny)))
    photo = Image.new("RGB", (24, 18))
    photo.putdata([(x * 10 % 256, y * 13 % 256, (x * y) % 256) for y in range(18) for x in range(24)])
    photo.save(tmp_path / "photo.png")
    encoded = (tmp_path / "photo.png").read_bytes()
    stored = [[{"path": str(tmp_path / "photo.png"), "bytes": None}], [{"path": None, "bytes": encoded}]]
    images, mask = images_tensor(stored, transform)
    reference, _ = images_tensor([[photo], [photo]], transform)
    assert torch.equal(images, reference) and mask.all()
