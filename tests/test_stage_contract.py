"""Each DVC stage declares the code it runs: every module its notebook imports, every module those import, and so
on (the import closure), with the jobs it launches (a `"pfutils..."` module named in a cell, as `run_module` and
`run_side_by_side` take them), lies under one of the stage's `src/` deps, so editing it reruns the stage. Static
and fast: the notebooks and modules are parsed, not run.

A name imported from a package is followed to the module its `__init__` takes it from, not to everything the
package re-exports. Modules that validate, check, write, show or launch without computing a result are left out
(INFRASTRUCTURE), and their imports are not followed: the params schema (the `check_params` stage depends on all
of `src/pfutils`, and every value is stated in params.yaml and tracked as a param) and its base class, the
preflight check, atomic writes, resumption fingerprints (they decide whether finished work is reused, never what
it computes), display helpers and the launcher.
"""
import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
INFRASTRUCTURE = {"src/pfutils/params.py", "src/pfutils/config.py", "src/pfutils/preflight.py",
                  "src/pfutils/storage.py", "src/pfutils/resume.py", "src/pfutils/display.py",
                  "src/pfutils/launch.py", "src/pfutils/with_parent.py"}


def _module_file(name: str) -> Path | None:
    path = SRC / Path(*name.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _imports(tree: ast.AST, module: str) -> set[tuple[str, str | None]]:
    """What a parsed file imports from pfutils, as (module, name) pairs, relative imports resolved against `module`:
    (submodule, None) where the name is a submodule (or `import pfutils.x`), else (module, name)."""
    package = module.split(".")
    if not (_module_file(module) or Path()).name == "__init__.py":
        package = package[:-1]
    pairs = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            pairs |= {(a.name, None) for a in node.names if a.name.startswith("pfutils")}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1] + [node.module or ""]).strip(".") \
                if node.level else node.module or ""
            if base.startswith("pfutils"):
                pairs |= {(f"{base}.{a.name}", None) if _module_file(f"{base}.{a.name}") else (base, a.name)
                          for a in node.names}
    return pairs


def _closure(start: set[tuple[str, str | None]]) -> set[str]:
    """Every source file that code importing `start` runs: the import closure. A name imported from a package is
    followed to the submodule its `__init__` takes it from, so a package's re-exports do not pull in its every
    module; the imports of INFRASTRUCTURE files are not followed."""
    todo, seen, files = set(start), set(), set()
    while todo:
        module, name = edge = todo.pop()
        path = _module_file(module)
        if edge in seen or path is None:
            continue
        seen.add(edge)
        relative = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text())
        if path.name == "__init__.py" and name is not None:
            providers = {(m, n) for m, n in _imports(tree, module) if n == name or m.endswith(f".{name}")}
            if providers:
                todo |= providers
                continue
        files.add(relative)
        if relative not in INFRASTRUCTURE:
            todo |= _imports(tree, module)
    return files


def stage_code(stage: dict) -> set[str]:
    """The source files (relative to the repository) that a stage's notebook and the jobs it launches run."""
    notebook = re.search(r"papermill (\S+)", stage["cmd"]).group(1).replace("${base.notebook}", "00b_base_models")
    cells = json.loads((ROOT / notebook).read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    jobs = re.findall(r'"(pfutils\.[\w.]+)"', code)  # run_module("pfutils.x", ...), ("pfutils.x", *args)
    return _closure(_imports(ast.parse(code), "__main__") | {(job, None) for job in jobs})


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


def test_an_import_of_an_import_is_caught():
    """The closure goes past a stage's own imports: notebook 02 imports `rewriting.evaluate`, which imports the
    toyworld checkers; without that dep, the rewriter's held-out evaluation could change unseen."""
    stage = dict(_notebook_stages()["rewriter_training"])
    assert "src/pfutils/toyworld/checkers.py" in stage_code(stage)
    stage["deps"] = [d for d in stage["deps"] if d != "src/pfutils/toyworld/checkers.py"]
    assert "src/pfutils/toyworld/checkers.py" in undeclared(stage)


def test_a_re_exported_name_pulls_in_its_module_only():
    """`from pfutils.distortion import augment_text` runs the augmenter (and what it imports), not every module
    the package re-exports."""
    code = _closure({("pfutils.distortion", "augment_text")})
    assert "src/pfutils/distortion/augment.py" in code
    assert "src/pfutils/distortion/mix.py" not in code and "src/pfutils/distortion/__init__.py" not in code


def _modules_loaded_by(code: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", f"{code}\nimport sys; print(' '.join(sys.modules))"],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return set(done.stdout.split())


def test_the_params_schema_and_the_drawing_notebook_load_no_torch():
    """Reading params, and stage 08 (which draws from CSVs), load no deep-learning stack: a config module never
    imports runtime code, and no package pulls in its every module."""
    cells = json.loads((ROOT / "notebooks" / "08_figures.ipynb").read_text())["cells"]
    imports = "\n".join(line for c in cells if c["cell_type"] == "code" for line in "".join(c["source"]).splitlines()
                        if line.startswith(("import ", "from ")))
    heavy = {"torch", "transformers", "open_clip", "sentence_transformers"}
    assert heavy & _modules_loaded_by("import pfutils.params") == set()
    assert heavy & _modules_loaded_by(imports) == set()


def test_every_declared_code_dep_is_run():
    """The other way round: a `src/` dep that none of the stage's code reaches reruns the stage for nothing."""
    unread = {}
    for name, stage in _notebook_stages().items():
        code = stage_code(stage)
        deps = [d.rstrip("/") for d in stage["deps"] if d.startswith("src/")]
        unread[name] = [d for d in deps if not any(f == d or f.startswith(d + "/") for f in code)]
    assert {name: deps for name, deps in unread.items() if deps} == {}
