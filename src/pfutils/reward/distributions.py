"""Figure 6: how reward scores are distributed per dataset (or per model): median, quartiles and mean.

The paper marks median and quartiles on its violin plot (raw annotations' median -2.42, PF-1M's -0.50); the
figure notebook draws the violins from the scores and prints this table beside them.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd


def reward_summary(scores: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """One row per group, in the given order: count, mean, q1, median, q3 (linear-interpolated quantiles)."""
    rows = {}
    for group, values in scores.items():
        values = np.asarray(values, dtype=float)
        if values.size == 0 or not np.isfinite(values).all():
            raise ValueError(f"group {group!r} has no rewards or a missing/non-finite one")
        q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
        rows[group] = {"count": values.size, "mean": values.mean(), "q1": q1, "median": median, "q3": q3}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("group")
