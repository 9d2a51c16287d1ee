"""Image preprocessing for the vision tower: the tower's own size, mean and std, deterministic (eval transform)."""

from collections.abc import Callable, Sequence

import torch
from open_clip.model import get_model_preprocess_cfg
from open_clip.transform import PreprocessCfg, image_transform_v2
from PIL import Image
from torch import nn

from ..schema import decoded


def image_transform(vision_encoder: nn.Module) -> Callable[[Image.Image], torch.Tensor]:
    """open_clip's eval transform (resize, centre crop, normalise) for this tower; no random augmentation.

    A tower made by `open_clip.create_model` carries its preprocessing config; one built from an inline config
    gets open_clip's defaults (OpenAI mean/std) at the tower's image size.
    """
    return image_transform_v2(PreprocessCfg(**get_model_preprocess_cfg(vision_encoder)), is_train=False)


def images_tensor(
    samples: Sequence[Sequence[Image.Image]], transform: Callable[[Image.Image], torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images of several samples, padded: (B, N_max, 3, H, W) and the (B, N_max) mask of real images. An image may
    come stored (`pfutils.schema.undecoded`): it is decoded here, so only a batch's images are ever decoded."""
    per_sample = [[transform(decoded(image).convert("RGB")) for image in images] for images in samples]
    slots = max((len(images) for images in per_sample), default=0)
    first = next((tensors[0] for tensors in per_sample if tensors), None)
    shape = (first if first is not None else transform(Image.new("RGB", (8, 8)))).shape
    batch = torch.zeros(len(per_sample), slots, *shape)
    mask = torch.zeros(len(per_sample), slots, dtype=torch.bool)
    for row, tensors in enumerate(per_sample):
        for slot, tensor in enumerate(tensors):
            batch[row, slot] = tensor
            mask[row, slot] = True
    return batch, mask
