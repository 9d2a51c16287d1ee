"""Each DVC stage declares the code it runs: every module its notebook imports, and every module imported by the
jobs it launches (`run_module("pfutils...")`), lies under one of the stage's `src/` deps, so editing it reruns the
stage. Static and fast: the notebooks and modules are parsed, not run.

This is the first level of the import closure (what a stage's own code names). Modules that validate, check,
write, show or launch without computing a result are left out (INFRASTRUCTURE): the params schema (the
`check_params` stage depends on all of `src/pfutils`, and every value is stated in params.yaml and tracked as a
param), the preflight check, atomic writes, display helpers and the launcher.
"""
import ast
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
INFRASTRUCTURE = {"src/pfutils/params.py", "src/pfutils/preflight.py", "src/pfutils/storage.py",
                  "src/pfutils/display.py", "src/pfutils/launch.py", "src/pfutils/with_parent.py"}


def _module_file(name: str) -> Path | None:
    path = SRC / Path(*name.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _imported(tree: ast.AST, module: str) -> set[str]:
    """The pfutils modules a parsed file imports (relative imports resolved against `module`), submodules named in
    `from package import submodule` included."""
    package = module.split(".")
    if not (_module_file(module) or Path()).name == "__init__.py":
        package = package[:-1]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.startswith("pfutils")}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1] + [node.module or ""]).strip(".") \
                if node.level else node.module or ""
            if base.startswith("pfutils"):
                names.add(base)
                names |= {f"{base}.{a.name}" for a in node.names if _module_file(f"{base}.{a.name}")}
    return names


def stage_code(stage: dict) -> set[str]:
    """The source files (relative to the repository) a stage's notebook and launched jobs import."""
    notebook = re.search(r"papermill (\S+)", stage["cmd"]).group(1).replace("${base.notebook}", "00b_base_models")
    cells = json.loads((ROOT / notebook).read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    modules = _imported(ast.parse(code), "__main__")
    for job in re.findall(r'run_module\(\s*"([\w.]+)"', code):
        modules |= {job} | _imported(ast.parse(_module_file(job).read_text()), job)
    return {str(f.relative_to(ROOT)) for f in map(_module_file, modules) if f is not None}


def undeclared(stage: dict) -> list[str]:
    """The files of `stage_code` that no `src/` dep of the stage covers (infrastructure aside)."""
    deps = [d.rstrip("/") for d in stage["deps"] if d.startswith("src/")]
    return sorted(f for f in stage_code(stage) - INFRASTRUCTURE
                  if not any(f == d or f.startswith(d + "/") for d in deps))


def _notebook_stages() -> dict[str, dict]:
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    return {name: stage.get("do", stage) for name, stage in stages.items() if "papermill" in
            stage.get("do", stage)["cmd"]}


def test_every_stage_depends_on_the_code_it_imports():
    missing = {name: undeclared(stage) for name, stage in _notebook_stages().items()}
    assert {name: files for name, files in missing.items() if files} == {}


def test_a_removed_dep_is_caught():
    """The check can fail: without `src/pfutils/model`, the evaluation stage's imports of it are reported."""
    stage = dict(_notebook_stages()["evaluate"])
    stage["deps"] = [d for d in stage["deps"] if d != "src/pfutils/model"]
    assert "src/pfutils/model/checkpoint.py" in undeclared(stage)
