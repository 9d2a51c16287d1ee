"""Scene graphs: the exact ground truth behind every toyworld image and text.

A scene is a background plus 1-9 objects, each in its own cell of a 3x3 grid, with a small jitter inside the
cell. Geometry is kept in fractions of the canvas, so the same scene renders at any resolution and its boxes are
exact. No two objects share both colour and shape, so "the red circle" always names exactly one object.
"""
from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, replace

from .vocab import BACKGROUNDS, COLOURS, GRID, POSITIONS, SHAPES, SIZE_FRACTION, SIZES


@dataclass(frozen=True)
class Obj:
    shape: str
    colour: str
    size: str
    row: int
    col: int
    dx: float = 0.0  # jitter of the centre inside its cell, in [-1, 1] of the free margin
    dy: float = 0.0

    @property
    def position(self) -> str:
        return POSITIONS[(self.row, self.col)]

    @property
    def name(self) -> str:
        return f"{self.colour} {self.shape}"

    def box(self) -> tuple[float, float, float, float]:
        """Normalised (x1, y1, x2, y2) of the object's extent on the canvas."""
        cell = 1.0 / GRID
        side = SIZE_FRACTION[self.size] * cell
        margin = (cell - side) / 2
        cx = (self.col + 0.5) * cell + self.dx * margin
        cy = (self.row + 0.5) * cell + self.dy * margin
        return (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)


@dataclass(frozen=True)
class Scene:
    objects: tuple[Obj, ...]
    background: str

    def to_json(self) -> str:
        return json.dumps({"background": self.background, "objects": [asdict(o) for o in self.objects]})

    @staticmethod
    def from_json(text: str) -> "Scene":
        data = json.loads(text)
        return Scene(tuple(Obj(**o) for o in data["objects"]), data["background"])

    def find(self, shape: str | None = None, colour: str | None = None, size: str | None = None) -> list[Obj]:
        return [o for o in self.objects
                if (shape is None or o.shape == shape)
                and (colour is None or o.colour == colour)
                and (size is None or o.size == size)]


def scenes_from_json(text: str) -> list[Scene]:
    """The scenes stored with a sample: one JSON list of scenes, one per image."""
    return [Scene.from_json(json.dumps(s)) for s in json.loads(text)]


def scenes_to_json(scenes: list[Scene]) -> str:
    return json.dumps([json.loads(s.to_json()) for s in scenes])


def random_object(rng: random.Random, row: int, col: int, taken: set[tuple[str, str]],
                  p_repeat_shape: float, jitter: float) -> Obj:
    shapes_in_scene = sorted({shape for _, shape in taken})
    while True:
        if shapes_in_scene and rng.random() < p_repeat_shape:
            shape = rng.choice(shapes_in_scene)
        else:
            shape = rng.choice(SHAPES)
        colour = rng.choice(tuple(COLOURS))
        if (colour, shape) not in taken:
            break
    return Obj(shape, colour, rng.choice(SIZES), row, col,
               round(rng.uniform(-1, 1) * jitter, 3), round(rng.uniform(-1, 1) * jitter, 3))


def random_scene(rng: random.Random, min_objects: int = 1, max_objects: int = 5,
                 p_repeat_shape: float = 0.35, jitter: float = 0.3) -> Scene:
    """A scene with a uniform number of objects in distinct cells.

    `p_repeat_shape` re-draws an already used shape (in another colour) so that counting questions have answers
    above one often enough to be learnt. `jitter` moves each object off its cell's centre by up to that share
    of the free margin.
    """
    n = rng.randint(min_objects, max_objects)
    cells = rng.sample(sorted(POSITIONS), n)
    taken: set[tuple[str, str]] = set()
    objects = []
    for row, col in sorted(cells):
        obj = random_object(rng, row, col, taken, p_repeat_shape, jitter)
        taken.add((obj.colour, obj.shape))
        objects.append(obj)
    return Scene(tuple(objects), rng.choice(tuple(BACKGROUNDS)))


@dataclass(frozen=True)
class Change:
    """One difference between two scenes, as change captioning describes it."""
    kind: str  # "removed" | "added" | "recoloured" | "moved"
    before: Obj | None
    after: Obj | None


def changed_scene(scene: Scene, rng: random.Random, n_changes: int = 1,
                  jitter: float = 0.3) -> tuple[Scene, list[Change]]:
    """The "after" image of a Spot-the-Diff pair: the same scene with `n_changes` edits."""
    objects = list(scene.objects)
    changes: list[Change] = []
    for _ in range(n_changes):
        free = sorted(set(POSITIONS) - {(o.row, o.col) for o in objects})
        kinds = ["recoloured"]
        if len(objects) > 1:
            kinds.append("removed")
        if free:
            kinds += ["added", "moved"]
        kind = rng.choice(kinds)
        touched = {id(c.after) for c in changes}
        candidates = [o for o in objects if id(o) not in touched] or objects
        if kind == "added":
            row, col = rng.choice(free)
            new = random_object(rng, row, col, {(o.colour, o.shape) for o in objects}, 0.0, jitter)
            objects.append(new)
            changes.append(Change("added", None, new))
            continue
        old = rng.choice(candidates)
        index = objects.index(old)
        if kind == "removed":
            objects.pop(index)
            changes.append(Change("removed", old, None))
        elif kind == "moved":
            row, col = rng.choice(free)
            new = replace(old, row=row, col=col)
            objects[index] = new
            changes.append(Change("moved", old, new))
        else:
            taken = {(o.colour, o.shape) for o in objects}
            colours = [c for c in COLOURS if c != old.colour and (c, old.shape) not in taken]
            new = replace(old, colour=rng.choice(colours))
            objects[index] = new
            changes.append(Change("recoloured", old, new))
    objects.sort(key=lambda o: (o.row, o.col))
    return Scene(tuple(objects), scene.background), changes


@dataclass(frozen=True)
class World:
    """How scenes are drawn and annotated (the `toyworld` section of params)."""
    image_size: int = 60
    min_objects: int = 1
    max_objects: int = 5
    p_repeat_shape: float = 0.35
    jitter: float = 0.3
    typo_rate: float = 0.08

    def scene(self, rng: random.Random, n_objects: int | None = None) -> Scene:
        lo, hi = (n_objects, n_objects) if n_objects else (self.min_objects, self.max_objects)
        return random_scene(rng, lo, hi, self.p_repeat_shape, self.jitter)

    def changed(self, scene: Scene, rng: random.Random, n_changes: int) -> tuple[Scene, list[Change]]:
        return changed_scene(scene, rng, n_changes, self.jitter)
