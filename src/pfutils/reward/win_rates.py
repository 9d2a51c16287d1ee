"""Figure 8: the pairwise win-rate matrix of models, judged by reward scores on the same items.

For every item (an instruction answered by every model; the raw annotation counts as one more model) the reward
model scores each model's response. win_rate[a][b] is the share of items where a's reward is above b's. The
paper does not say how ties are counted; here a tie counts half a win to each side, so
win_rate[a][b] + win_rate[b][a] = 1 and the diagonal is 0.5. Ties happen where two models answer with the same
text (short answers often coincide), so counting them as losses for both would understate both.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd


def reward_table(scores: Mapping[str, Sequence[float]] | pd.DataFrame) -> pd.DataFrame:
    """Scores as a DataFrame (one column per model, one row per item), after checking every model scored every item."""
    columns = {str(name): np.asarray(values, dtype=float) for name, values in dict(scores).items()}
    if len(columns) < 2:
        raise ValueError(f"win rates need at least two models, got {list(columns)}")
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) != 1 or 0 in lengths.values():
        raise ValueError(f"every model must be scored on the same (non-empty) items; items per model: {lengths}")
    missing = [name for name, values in columns.items() if not np.isfinite(values).all()]
    if missing:
        raise ValueError(f"models with missing or non-finite rewards: {missing}")
    return pd.DataFrame(columns)


def wins(scores: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Per item: 1 where `scores` beats `others`, 0.5 on a tie, 0 below (the tie rule above)."""
    return (scores > others) + 0.5 * (scores == others)


def win_rate_matrix(scores: Mapping[str, Sequence[float]] | pd.DataFrame) -> pd.DataFrame:
    """win_rate.loc[a, b]: share of items where model a's reward beats model b's (ties half); rows A, columns B."""
    table = reward_table(scores)
    values = table.to_numpy()
    rates = wins(values[:, :, None], values[:, None, :]).mean(axis=0)
    return pd.DataFrame(rates, index=pd.Index(table.columns, name="model A"),
                        columns=pd.Index(table.columns, name="model B"))
