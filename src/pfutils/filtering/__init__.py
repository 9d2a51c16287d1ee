"""Filtering Polite Flamingo's rewrites into PF-1M (Section 4.2, Appendix D, Figure 10).

- `config`: the `filtering` section of params.yaml (thresholds, backends, categories per filter).
- `filters`: the five filters, each a batch of rewritten records -> one Decision per record.
- `pipeline`: `run_filters` applies them in order and returns kept records, rejects and the funnel.
- `pf1m`: kept records as a `datasets` table, and the released PF-1M JSON schema both ways.
- `audit`: each filter's precision and recall against toyworld's exact truth.
- `threshold`: choosing the CLIPScore threshold on a validation split.
"""
from .audit import answer_changed, filter_decisions, filter_quality, hallucinated, paragraph_table
from .config import ChangeFilter, ClipFilter, FilteringConfig, LengthFilter, NliFilter, StsFilter
from .filters import (
                      Decision,
                      change_decisions,
                      clip_decisions,
                      length_decisions,
                      nli_decisions,
                      record_problem,
                      sts_decisions,
)
from .pf1m import (
                      PF1M_FEATURES,
                      RELEASED_FIELDS,
                      export_pf1m,
                      pf1m_dataset,
                      read_pf1m,
                      released_input,
                      released_record,
                      split_released_input,
)
from .pipeline import FILTERS, STAGES, Backends, Filtered, backends_from_config, run_filters
from .threshold import ThresholdChoice, choose_threshold, threshold_curve

__all__ = [
    "FILTERS", "PF1M_FEATURES", "RELEASED_FIELDS", "STAGES", "Backends", "ChangeFilter", "ClipFilter", "Decision",
    "Filtered", "FilteringConfig", "LengthFilter", "NliFilter", "StsFilter", "ThresholdChoice", "answer_changed",
    "backends_from_config", "change_decisions", "choose_threshold", "clip_decisions", "export_pf1m",
    "filter_decisions", "filter_quality", "hallucinated", "length_decisions", "nli_decisions", "paragraph_table",
    "pf1m_dataset", "read_pf1m", "record_problem", "released_input", "released_record", "run_filters",
    "split_released_input", "sts_decisions", "threshold_curve",
]
