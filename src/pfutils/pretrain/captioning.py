"""The OpenFlamingo analogue: perceiver + gated XATTN trained on interleaved image-caption sequences, with the
vision tower and the LM frozen, as OpenFlamingo was trained on LAION/MMC4 (here: toyworld captions)."""
from __future__ import annotations

import random

from ..prompts import END_OF_CHUNK, IMAGE_TOKEN
from ..toyworld.render import render
from ..toyworld.scene import World
from ..training.examples import Segment, supervised_example
from .corpus import captioning_sequence


def captioning_examples(tokenizer, world: World, n: int, max_images: int, context_length: int,
                        seed: int, bos: bool) -> list[dict]:
    """Training examples `<image>caption<|endofchunk|>...`: loss on every caption and its end-of-chunk token."""
    examples = []
    for i in range(n):
        rng = random.Random(f"{seed}/pretrain/captioning/{i}")
        scenes, chunks = captioning_sequence(world, rng, max_images)
        segments = []
        for chunk in chunks:
            segments += [Segment(IMAGE_TOKEN, trained=False), Segment(chunk + END_OF_CHUNK, trained=True, eos=False)]
        example = supervised_example(tokenizer, segments, [render(s, world.image_size) for s in scenes],
                                     context_length, bos=bos)
        if example is not None:
            examples.append(example)
    return examples
