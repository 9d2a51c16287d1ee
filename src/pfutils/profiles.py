"""Switch the pipeline between profiles: `python -m pfutils.profiles paper`.

params.yaml ships the `tiny` profile (CPU, minutes, toyworld). Every other profile is an overlay in
`profiles/<name>.yaml` that lists only the keys it changes; applying it deep-merges the overlay into
params.yaml (comments kept), validates the result, and writes it atomically. An overlay that starts with
`extends: <profile>` is applied on top of that profile (paper-mini extends paper). `git restore params.yaml` goes
back to tiny. Then `dvc repro` reruns exactly the stages whose parameters changed.
"""
from __future__ import annotations

import argparse
import io
import os
import tempfile
from pathlib import Path

from ruamel.yaml import YAML

from .params import validate


def deep_merge(base: dict, overlay: dict) -> dict:
    """`base` with `overlay`'s values written over it, recursively for nested mappings (in place, returned)."""
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            deep_merge(base[key], value)
        else:
            base[key] = value
    return base


def _yaml() -> YAML:
    y = YAML()
    y.preserve_quotes = True
    y.width = 120
    return y


def read_yaml(path: Path) -> dict:
    with path.open() as f:
        return _yaml().load(f) or {}


def profile_params(name: str, params_path: Path = Path("params.yaml"), profiles_dir: Path = Path("profiles")) -> dict:
    """params.yaml with the overlay of profile `name` merged in, validated (raises ParamsError naming keys)."""
    overlay_path = profiles_dir / f"{name}.yaml"
    if not overlay_path.exists():
        known = sorted(p.stem for p in profiles_dir.glob("*.yaml"))
        raise SystemExit(f"no profile {name!r} in {profiles_dir}/ (known: {known}; `tiny` is params.yaml itself)")
    merged = deep_merge(read_yaml(params_path), overlay_chain(name, profiles_dir))
    validate(merged, f"{params_path} + {overlay_path}")
    return merged


def overlay_chain(name: str, profiles_dir: Path) -> dict:
    """Profile `name`'s overlay with those it `extends` merged under it (the nearest wins), without `extends`."""
    overlay = read_yaml(profiles_dir / f"{name}.yaml")
    parent = overlay.pop("extends", None)
    if parent is None:
        return overlay
    if not (profiles_dir / f"{parent}.yaml").exists():
        raise SystemExit(f"profiles/{name}.yaml extends {parent!r}, which is not in {profiles_dir}/")
    return deep_merge(overlay_chain(parent, profiles_dir), overlay)


def write_yaml_atomic(data: dict, path: Path) -> None:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(buffer.getvalue())
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile", help="name of an overlay in profiles/, e.g. paper")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--profiles-dir", type=Path, default=Path("profiles"))
    args = parser.parse_args(argv)
    write_yaml_atomic(profile_params(args.profile, args.params, args.profiles_dir), args.params)
    print(f"{args.params} now holds the {args.profile!r} profile; `git restore {args.params}` returns to tiny.")


if __name__ == "__main__":
    main()
