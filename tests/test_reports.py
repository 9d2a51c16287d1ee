"""The committed results stand on their own: reports/claims.json is what the committed per-item scores give
(recomputed here from `reports/eval/` alone, no model, no data/), it has the published fields and verdicts
consistent with their intervals, and the README's claims table is the one in claims.md; the committed scale
benchmark meets its targets."""
import json

import pandas as pd
import pytest

from pfutils.figures.claims import claim_results, claims_json, claims_markdown
from pfutils.params import load_params

FIELDS = {"claim", "paper", "direction", "effect", "ci_low", "ci_high", "seeds", "n", "verdict"}


@pytest.fixture
def claims(root) -> list[dict]:
    return json.loads((root / "reports" / "claims.json").read_text())


def _table_rows(markdown: str) -> list[str]:
    """The rows of the first claims table (header included) of a markdown text."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| claim | paper |"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return lines[start:end]


def test_claims_json_has_the_published_fields_and_consistent_verdicts(claims):
    decided = [c for c in claims if c["verdict"] != "not run"]
    assert len(decided) >= 15, "at least 15 claims get a verdict"
    for c in claims:
        assert FIELDS <= set(c), c["claim"]
        assert c["verdict"] in ("holds", "contradicted", "inconclusive", "not testable"), c["claim"]
        assert c["direction"] in (1, -1)
        if c["verdict"] == "holds":  # the interval lies on the paper's side of no effect (of the margin)
            assert min(c["direction"] * c["ci_low"], c["direction"] * c["ci_high"]) > -c["margin"], c["claim"]
    model_claims = [c for c in claims if "rewritten from" not in c["claim"]]  # Figure 6: one rewriter
    assert min(c["seeds"] for c in model_claims) >= 3, "every model claim covers at least 3 training seeds"


def test_claims_json_is_what_the_committed_per_item_scores_give(root, claims):
    params = load_params(root / "params.yaml")
    evaluated = root / "reports" / "eval"
    names = [p.stem for p in evaluated.glob("*.csv") if p.stem not in ("raw_annotations", "second_generation")]
    frames = {name: pd.read_csv(evaluated / f"{name}.csv") for name in names}
    rows = claim_results(frames, pd.read_csv(evaluated / "raw_annotations.csv"),
                         pd.read_csv(root / "reports" / "tables" / "04_rewards.csv"),
                         pd.read_csv(evaluated / "second_generation.csv"), params.claims, params.seed)
    assert claims_json(rows, params.claims) == claims


def test_the_readme_shows_the_committed_claims_table(root, claims):
    params = load_params(root / "params.yaml")
    expected = _table_rows(claims_markdown(claims, params.claims))
    assert _table_rows((root / "reports" / "claims.md").read_text()) == expected
    assert _table_rows((root / "README.md").read_text()) == expected, \
        "copy the table of reports/claims.md into the README"


def test_the_committed_scale_benchmark_meets_its_targets(root):
    """reports/bench/scale.json (scripts/bench_scale.py): stages 00-06 of paper-mini at N and 8N samples, each
    stage's peak memory at 8N within 1.5x of its peak at N, and data/ at 8N within 2x of the raw data it came from."""
    bench = json.loads((root / "reports" / "bench" / "scale.json").read_text())
    assert bench["factor"] == 8 and bench["image_px"] >= 480
    stages = {"check_params", "sources", "base_models", "base_eval", "distortion", "rewriter_training", "rewriting",
              "reward_model", "filtering", "augmentation"}
    assert stages <= set(bench["stages"]) and any(s.startswith("tune@") for s in bench["stages"])
    for stage, rss in bench["stages"].items():
        assert rss["rss_8n"] <= 1.5 * rss["rss_n"], stage
    assert bench["data_bytes_8n"] <= 2 * bench["raw_bytes_8n"]
