"""Media locations: which image each text token may attend to.

The k-th `<image>` token of a sample stands for the sample's k-th image (images are passed padded as
(B, N_max, 3, H, W) with the real ones first). Which image a token reads depends on the model's masking rule
(`pfutils.model.behaviour`): `latest_preceding`, the image of the latest `<image>` at or before it (text before the
first `<image>` reads none); `next_image`, OpenFlamingo v1's `attend_previous=False`: an `<image>` token reads its
own image, any other token the next one, and tokens after the last `<image>` read none. With
`only_attend_immediate_media` off, a token reads every image up to that one. Padded image slots are never read.
"""

import torch

MASKINGS = ("latest_preceding", "next_image")


def image_numbers(input_ids: torch.Tensor, media_token_id: int, masking: str) -> torch.Tensor:
    """For each token, the 1-based number of the image its masking rule names (0: none)."""
    is_image = input_ids == media_token_id
    seen = is_image.cumsum(dim=-1)
    if masking == "latest_preceding":
        return seen
    if masking == "next_image":
        numbers = seen + (~is_image).long()
        return numbers.masked_fill(numbers > seen[:, -1:], 0)
    raise ValueError(f"unknown masking {masking!r}; known: {MASKINGS}")


def media_attention_mask(
    input_ids: torch.Tensor, media_token_id: int, masking: str, num_images: torch.Tensor, num_slots: int,
    only_attend_immediate_media: bool,
) -> torch.Tensor:
    """Boolean (B, T, num_slots): may token t of sample b attend to image slot j?

    Fails, naming the sample, when it has more `<image>` tokens than images.
    """
    image_tokens = (input_ids == media_token_id).sum(dim=-1)
    missing = image_tokens > num_images
    if missing.any():
        sample = int(missing.nonzero()[0, 0])
        raise ValueError(
            f"sample {sample} has {int(image_tokens[sample])} <image> tokens but only "
            f"{int(num_images[sample])} image(s) were given"
        )
    numbers = image_numbers(input_ids, media_token_id, masking)[:, :, None]
    slots = torch.arange(1, num_slots + 1, device=input_ids.device)
    if only_attend_immediate_media:
        return numbers == slots
    return numbers >= slots


def generated_tokens_mask(prompt_mask: torch.Tensor, masking: str) -> torch.Tensor:
    """(rows, 1, N): the images the tokens generated after a prompt attend to, from the prompt's (rows, T, N).

    They are never `<image>` (generation suppresses it): under `latest_preceding` they read what the prompt's last
    token reads; under `next_image` no image follows them, so they read none.
    """
    if masking == "next_image":
        return torch.zeros_like(prompt_mask[:, -1:])
    return prompt_mask[:, -1:].contiguous()
