"""Notebook hygiene and the notebook <-> DVC stage contract."""
import json
import typing

import yaml

from pfutils.params import Base

REPORTS_NOTEBOOKS = "${paths.reports}/notebooks/"  # where papermill writes, as dvc.yaml spells it


def _notebooks(root):
    return sorted((root / "notebooks").glob("*.ipynb"))


def test_notebooks_are_stripped_and_parameterised(root):
    notebooks = _notebooks(root)
    assert notebooks, "no notebooks found"
    for path in notebooks:
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{path.name}: a code cell has outputs (strip them)"
                assert cell.get("execution_count") is None, f"{path.name}: a code cell has an execution count"
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: needs exactly one cell tagged 'parameters'"
        assert "params_path" in "".join(tagged[0]["source"]), f"{path.name}: parameters cell must set params_path"


def test_every_notebook_is_one_papermill_stage(root):
    """Every stage but the first (`check_params`, which validates params.yaml before DVC deletes any output) runs
    one notebook, and depends on that check's stamp so that it cannot start on a bad params file. A notebook run
    once per model (a papermill `-p` parameter: `tune@<recipe>`, `evaluate@<recipe>`, `evaluate_base`) keeps one
    executed copy per model, `reports/notebooks/<notebook>/<model>.ipynb`."""
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    check = stages.pop("check_params")
    assert check["params"] == [{"params.yaml": None}], "the check reads the whole params file"
    stamp = next(iter(check["outs"][0]))
    by_notebook = {}
    for name, stage in stages.items():
        stage = stage.get("do", stage)  # a foreach stage's template
        assert stamp in stage["deps"], f"stage {name} must depend on the params check ({stamp})"
        cmd = stage["cmd"].removeprefix("python -m pfutils.with_parent ")  # test_with_parent.py checks the prefix
        assert cmd.startswith("papermill notebooks/"), f"stage {name} must run its notebook with papermill"
        source, executed = cmd.split()[1:3]
        if " -p " in cmd:
            model = cmd.split(" -p ")[1].split()[1]
            assert executed == source.replace("notebooks/", REPORTS_NOTEBOOKS).replace(".ipynb", f"/{model}.ipynb"), name
        else:
            assert executed == source.replace("notebooks/", REPORTS_NOTEBOOKS), name
        assert source in stage["deps"], f"stage {name} must depend on its notebook"
        assert {executed: {"cache": False}} in stage["outs"], f"stage {name}: executed notebook as cache: false out"
        assert stage.get("params"), f"stage {name} declares no params"
        assert stage.get("metrics"), f"stage {name} registers no metrics"
        for notebook in _choices(source):
            by_notebook[notebook] = name
    assert sorted(by_notebook) == [f"notebooks/{p.name}" for p in _notebooks(root)]


def _choices(source: str) -> list[str]:
    """The notebooks a stage's templated source can name: `${base.notebook}` is any value its schema allows."""
    if "${base.notebook}" not in source:
        return [source]
    allowed = typing.get_args(Base.model_fields["notebook"].annotation)
    return [source.replace("${base.notebook}", value) for value in allowed]
