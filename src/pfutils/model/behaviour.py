"""How a Flamingo reads its images and text: the choices where released checkpoints and this repository differ.

A checkpoint only means what it meant in the code that trained it. OpenFlamingo-9B v1 and the original Polite /
Clever Flamingo were trained by the OpenFlamingo v1 code (on PyPI as `open-flamingo==0.0.2`; the authors' fork
hard-codes `attend_previous=False`), which differs from the paper's description of Flamingo in four places. The
model config's `behaviour` names one of the two sets below; the paper profile, which starts from those weights,
uses `openflamingo_v1`, and toyworld, whose base models this repository trains, keeps `latest_preceding`.

- `media_layout`: where a human turn marks its images (`pfutils.prompts.with_images`).
- `masking`: which image a text token attends to. `latest_preceding`: the latest `<image>` at or before it (the
  paper's rule). `next_image`: OpenFlamingo v1 with `attend_previous=False`: an `<image>` token attends to its
  own image, any other token to the *next* image, and tokens after the sample's last image to none; so do the
  tokens generated after a prompt (their cached decoding steps see no `<image>`).
- `vision_tokens`: the patch tokens the perceiver reads. open_clip 2.x, which OpenFlamingo v1 used, returned them
  *before* the final LayerNorm `ln_post` (it normed only the pooled token); open_clip 3.x norms them. The
  perceiver of OF-9B was trained on the un-normed ones.
- `bos`: whether every sequence starts with the tokenizer's BOS token, in training and at inference (LLaMA's
  tokenizer adds it in OpenFlamingo v1's training and in the authors' inference helper).
"""

from dataclasses import dataclass
from typing import Literal

BehaviourName = Literal["latest_preceding", "openflamingo_v1"]


@dataclass(frozen=True)
class Behaviour:
    media_layout: Literal["before_instruction", "after_instruction"]
    masking: Literal["latest_preceding", "next_image"]
    vision_tokens: Literal["after_ln_post", "before_ln_post"]
    bos: bool


BEHAVIOURS: dict[str, Behaviour] = {
    "latest_preceding": Behaviour("before_instruction", "latest_preceding", "after_ln_post", bos=False),
    "openflamingo_v1": Behaviour("after_instruction", "next_image", "before_ln_post", bos=True),
}


def behaviour(name: str) -> Behaviour:
    """The named behaviour (the model config's `behaviour`)."""
    if name not in BEHAVIOURS:
        raise ValueError(f"unknown Flamingo behaviour {name!r}; known: {sorted(BEHAVIOURS)}")
    return BEHAVIOURS[name]
