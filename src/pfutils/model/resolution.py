"""A vision tower at another input resolution than it was built for: Figure 9's "224 Resolution" ablation.

The paper feeds its ViT-L-14-336 224x224 images instead of 336x336. A ViT takes any size its patches tile, but
its learned position embeddings are one per patch of the original grid, so the tower is resized in place: the
patch grid of position embeddings is interpolated bicubically to the new grid (the class token's is kept), as
open_clip does when it loads a checkpoint at a forced image size (`open_clip.model.resize_pos_embed`), and its
image size, grid size and preprocessing config follow, so `images.image_transform(tower)` resizes images to the
new size. The rest of the tower (patch projection, transformer) is unchanged.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

from open_clip.model import resize_pos_embed
from torch import nn

from pfutils.model.config import VisionTowerConfig

if TYPE_CHECKING:
    from pfutils.model.flamingo import Flamingo


def resize_tower(tower: nn.Module, image_size: int) -> None:
    """Makes the open_clip VisionTransformer `tower` read `image_size` x `image_size` images (no-op at its size).

    Raises ValueError when the tower's patches do not tile that size.
    """
    patch_height, patch_width = tower.patch_size
    if image_size % patch_height or image_size % patch_width:
        raise ValueError(f"image_size {image_size} is not a multiple of the tower's patch size {tower.patch_size}")
    if tuple(tower.image_size) == (image_size, image_size):
        return
    tower.image_size = (image_size, image_size)
    tower.grid_size = (image_size // patch_height, image_size // patch_width)
    old = tower.positional_embedding
    state = {"visual.positional_embedding": old.detach().float()}  # bicubic needs float32 on the CPU
    resize_pos_embed(state, SimpleNamespace(visual=tower))  # reads the new grid from tower.grid_size
    tower.positional_embedding = nn.Parameter(state["visual.positional_embedding"].to(old.dtype),
                                              requires_grad=old.requires_grad)
    if getattr(tower, "preprocess_cfg", None):  # a tower built without one reads its size from image_size
        tower.preprocess_cfg = {**tower.preprocess_cfg, "size": tower.image_size}


def set_image_size(model: Flamingo, image_size: int) -> None:
    """Resizes a built Flamingo's vision tower and records the size in its config, so a saved model is rebuilt
    at that size when loaded (`checkpoint.load_flamingo`)."""
    resize_tower(model.vision_encoder, image_size)
    vision = {**model.config.vision.model_dump(), "image_size": image_size}
    model.config.vision = VisionTowerConfig.model_validate(vision)
