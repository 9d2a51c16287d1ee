"""Media locations: which image each text token may attend to.

The k-th `<image>` token of a sample stands for the sample's k-th image (images are passed padded as
(B, N_max, 3, H, W) with the real ones first). A token attends to the image of the latest `<image>` token at or
before it (OpenFlamingo's `only_attend_immediate_media`), or, with that off, to all images introduced so far.
Text before the first `<image>` attends to nothing, and padded image slots are never attended.
"""

import torch


def image_positions(input_ids: torch.Tensor, media_token_id: int) -> torch.Tensor:
    """For each token, the 1-based number of the latest `<image>` at or before it (0: none yet)."""
    return (input_ids == media_token_id).cumsum(dim=-1)


def media_attention_mask(
    positions: torch.Tensor, num_images: torch.Tensor, num_slots: int, only_attend_immediate_media: bool
) -> torch.Tensor:
    """Boolean (B, T, num_slots): may token t of sample b attend to image slot j?

    Fails, naming the sample, when a token refers to an image the sample does not have.
    """
    referenced = positions[:, -1]
    missing = referenced > num_images
    if missing.any():
        sample = int(missing.nonzero()[0, 0])
        raise ValueError(
            f"sample {sample} has {int(referenced[sample])} <image> tokens but only "
            f"{int(num_images[sample])} image(s) were given"
        )
    slots = torch.arange(1, num_slots + 1, device=positions.device)
    if only_attend_immediate_media:
        return positions[:, :, None] == slots
    return positions[:, :, None] >= slots
