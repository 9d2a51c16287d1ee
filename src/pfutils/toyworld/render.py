"""Rendering scene graphs to RGB images with PIL, deterministically.

Shapes are drawn at 4x the target resolution and downsampled, so edges are anti-aliased the same way on every
machine (no randomness, no fonts).
"""
from __future__ import annotations

from PIL import Image, ImageDraw

from .scene import Obj, Scene
from .vocab import BACKGROUNDS, COLOURS

SUPERSAMPLE = 4


def _draw(draw: ImageDraw.ImageDraw, obj: Obj, canvas: int) -> None:
    x1, y1, x2, y2 = (v * canvas for v in obj.box())
    fill = COLOURS[obj.colour]
    cx, cy, w = (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1
    if obj.shape == "circle":
        draw.ellipse((x1, y1, x2, y2), fill=fill)
    elif obj.shape == "square":
        draw.rectangle((x1, y1, x2, y2), fill=fill)
    elif obj.shape == "triangle":
        draw.polygon([(cx, y1), (x2, y2), (x1, y2)], fill=fill)
    elif obj.shape == "diamond":
        draw.polygon([(cx, y1), (x2, cy), (cx, y2), (x1, cy)], fill=fill)
    elif obj.shape == "cross":
        arm = w / 6
        draw.rectangle((cx - arm, y1, cx + arm, y2), fill=fill)
        draw.rectangle((x1, cy - arm, x2, cy + arm), fill=fill)
    else:
        raise ValueError(f"unknown shape {obj.shape!r}")


def render(scene: Scene, image_size: int = 60) -> Image.Image:
    canvas = image_size * SUPERSAMPLE
    image = Image.new("RGB", (canvas, canvas), BACKGROUNDS[scene.background])
    draw = ImageDraw.Draw(image)
    for obj in scene.objects:
        _draw(draw, obj, canvas)
    return image.resize((image_size, image_size), Image.Resampling.LANCZOS)
