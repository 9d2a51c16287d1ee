"""Naming objects so that a text refers to exactly one of them, and saying where things are."""
from __future__ import annotations

from .scene import Obj, Scene
from .vocab import POSITION_PHRASES, SHAPES, number_word, plural


def ref(obj: Obj, scene: Scene) -> str:
    """The shortest unambiguous noun phrase for `obj`: "circle" if it is the only circle, else "red circle"."""
    return obj.shape if len(scene.find(shape=obj.shape)) == 1 else obj.name


def full_name(obj: Obj) -> str:
    return f"{obj.size} {obj.colour} {obj.shape}"


def where(obj: Obj) -> str:
    return POSITION_PHRASES[obj.position]


def left_of(a: Obj, b: Obj) -> bool:
    return a.col < b.col


def above(a: Obj, b: Obj) -> bool:
    return a.row < b.row


RELATIONS = {
    "to the left of": left_of,
    "to the right of": lambda a, b: left_of(b, a),
    "above": above,
    "below": lambda a, b: above(b, a),
}


def counted(shape: str, n: int) -> str:
    """"two circles", "one square"."""
    return f"{number_word(n)} {plural(shape, n)}"


def inventory(scene: Scene) -> str:
    """"two circles and a square": the scene's objects counted by shape, in a fixed shape order."""
    parts = []
    for shape in SHAPES:
        n = len(scene.find(shape=shape))
        if n:
            parts.append(f"a {shape}" if n == 1 else counted(shape, n))
    return join_and(parts)


def join_and(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def a_or_an(phrase: str) -> str:
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase
