"""Which params keys a process reads: the record that checks each DVC stage declares every key it uses.

A stage reruns when a params key it declares in dvc.yaml changes; a key it reads but does not declare leaves its
results stale, silently. The static contract test can see the code a stage imports, not the keys it reads, so the
pipeline test runs the whole chain with `PFUTILS_PARAMS_LOG` set to a directory. Then `load_params` calls
`record_reads`, and every process of every stage appends each dotted key it reads (`tuning.stage2.train.lr`) to a
file named after its stage (DVC sets `DVC_STAGE` for a stage's command and its children inherit it).

A read is the value of a field that is not itself a section (a section's keys are recorded as they are read);
`model_dump` reads every field it dumps, and `model_copy` hands its reads on to the copy. Reads made while
`pfutils.preflight` checks the machine before a stage starts (which models every stage needs, whether they are
cached, the hub settings) are not recorded: they decide whether the stage may start, not what it computes, and a
key the stage then computes with is read again by the code that uses it. Recording patches the attribute lookup
of the section classes in the params tree, in the recording process only: a run without the variable executes
none of this.
"""
from __future__ import annotations

import functools
import os
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote, unquote

from pydantic import BaseModel

LOG_ENV = "PFUTILS_PARAMS_LOG"
NO_STAGE = "(no stage)"
UNRECORDED_CALLERS = {"pfutils.preflight"}  # modules whose reads check the machine and compute nothing

_paths: dict[int, str] = {}  # id(section) -> its dotted key
_kept: list[BaseModel] = []  # the recorded sections, kept alive so that no other object takes their id
_seen: set[str] = set()
_log: Path | None = None


def record_reads(root: BaseModel, directory: str | Path) -> None:
    """From now on, record in `directory` every key of `root` (a validated params tree) this process reads."""
    global _log
    _log = Path(directory)
    _log.mkdir(parents=True, exist_ok=True)
    _register(root, "")


def read_keys(directory: str | Path) -> dict[str, set[str]]:
    """The keys each stage read, over all its processes: stage name -> dotted keys."""
    reads = defaultdict(set)
    for file in Path(directory).glob("*.keys"):
        stage = unquote(file.name.rsplit(".", 2)[0])
        reads[stage] |= set(file.read_text().split())
    return dict(reads)


def undeclared(read: set[str], declared: set[str]) -> set[str]:
    """The keys of `read` that no declared key covers: a declared key covers itself and every key below it."""
    return {key for key in read
            if not any(key == d or key.startswith(f"{d}.") for d in declared)}


def _join(path: str, name: object) -> str:
    return f"{path}.{name}" if path else str(name)


def _sections(value: object, key: str) -> list[tuple[str, BaseModel]]:
    """The sections a field's value holds, each with its dotted key (the field's is `key`): the value itself, or
    a dict's or a tuple's items."""
    if isinstance(value, BaseModel):
        return [(key, value)]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (tuple, list)) else ()
    return [(_join(key, name), item) for name, item in items if isinstance(item, BaseModel)]


def _register(section: BaseModel, path: str) -> None:
    _paths[id(section)] = path
    _kept.append(section)
    cls = type(section)
    if "__getattribute__" not in vars(cls):
        cls.__getattribute__ = _recording_getattribute
    for name in cls.model_fields:
        for key, inner in _sections(vars(section)[name], _join(path, name)):
            _register(inner, key)


def _checking_the_machine() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_globals.get("__name__") in UNRECORDED_CALLERS:
            return True
        frame = frame.f_back
    return False


def _note(key: str) -> None:
    if key in _seen or _checking_the_machine():
        return
    _seen.add(key)
    stage = quote(os.environ.get("DVC_STAGE", NO_STAGE), safe="@_-")
    with open(_log / f"{stage}.{os.getpid()}.keys", "a") as out:
        out.write(key + "\n")


def _recording_getattribute(self: BaseModel, name: str):
    value = object.__getattribute__(self, name)
    path = _paths.get(id(self)) if not name.startswith("_") else None
    if path is None:
        return value
    fields = type(self).model_fields
    if name in fields:
        if not _sections(value, path):
            _note(_join(path, name))
        return value
    if name in ("model_dump", "model_dump_json"):
        @functools.wraps(value)
        def dump(*args, include=None, exclude=None, **kwargs):
            for field in set(include) if include is not None else set(fields) - set(exclude or ()):
                _note(_join(path, field))
            return value(*args, include=include, exclude=exclude, **kwargs)
        return dump
    if name == "model_copy":
        @functools.wraps(value)
        def copy(*args, **kwargs):
            result = value(*args, **kwargs)
            _register(result, path)
            return result
        return copy
    return value
