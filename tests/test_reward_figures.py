"""Figure 8's win-rate matrix and Figure 6's reward summaries, checked against small tables worked out by hand."""
import math

import pandas as pd
import pytest

from pfutils.reward.distributions import reward_summary
from pfutils.reward.win_rates import win_rate_matrix

# rewards of three "models" on the same four items; raw annotations count as a model
SCORES = {
    "raw": [-3.0, -1.0, 0.5, -2.0],
    "clever": [1.0, -1.0, 2.0, 0.0],
    "llava": [2.0, 0.0, 1.0, -2.5],
}


def test_win_rates_match_a_hand_count_with_ties_as_half():
    rates = win_rate_matrix(SCORES)
    # clever vs raw: wins items 0, 2, 3, ties item 1 -> (3 + 0.5) / 4
    assert rates.loc["clever", "raw"] == pytest.approx(3.5 / 4)
    assert rates.loc["raw", "clever"] == pytest.approx(0.5 / 4)
    # clever vs llava: loses 0, loses 1, wins 2, wins 3 -> 2 / 4
    assert rates.loc["clever", "llava"] == pytest.approx(0.5)
    # llava vs raw: wins 0, 1, 2, loses 3 -> 3 / 4
    assert rates.loc["llava", "raw"] == pytest.approx(0.75)
    assert list(rates.index) == list(rates.columns) == ["raw", "clever", "llava"]
    assert (rates.index.name, rates.columns.name) == ("model A", "model B")
    for a in SCORES:
        assert rates.loc[a, a] == 0.5
        for b in SCORES:
            assert rates.loc[a, b] + rates.loc[b, a] == pytest.approx(1.0)
    pd.testing.assert_frame_equal(win_rate_matrix(pd.DataFrame(SCORES)), rates)


def test_win_rates_refuse_tables_that_do_not_line_up():
    with pytest.raises(ValueError, match="same .* items"):
        win_rate_matrix({"a": [1.0, 2.0], "b": [1.0]})
    with pytest.raises(ValueError, match=r"non-finite rewards: \['b'\]"):
        win_rate_matrix({"a": [1.0, 2.0], "b": [1.0, math.nan]})
    with pytest.raises(ValueError, match="at least two models"):
        win_rate_matrix({"a": [1.0]})


def test_reward_summary_gives_quartiles_median_and_mean_per_group():
    summary = reward_summary({"PF-1M-raw": [4.0, 1.0, 3.0, 2.0], "PF-1M": [0.5]})
    assert list(summary.index) == ["PF-1M-raw", "PF-1M"]
    raw = summary.loc["PF-1M-raw"]
    assert (raw["count"], raw["mean"], raw["q1"], raw["median"], raw["q3"]) == (4, 2.5, 1.75, 2.5, 3.25)
    assert summary.loc["PF-1M", ["q1", "median", "q3"]].tolist() == [0.5, 0.5, 0.5]
    with pytest.raises(ValueError, match="'empty' has no rewards"):
        reward_summary({"empty": []})
