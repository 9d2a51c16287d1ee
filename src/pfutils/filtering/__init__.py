"""Filtering Polite Flamingo's rewrites into PF-1M (Section 4.2, Appendix D, Figure 10).

- `config`: the `filtering` section of params.yaml (thresholds, backends, categories per filter).
- `filters`: the five filters, each a batch of rewritten records -> one Decision per record.
- `pipeline`: `run_filters` applies them in order and returns kept records, rejects and the funnel.
- `pf1m`: kept records as a `datasets` table, and the released PF-1M JSON schema both ways.
- `audit`: each filter's precision and recall against toyworld's exact truth.
- `threshold`: choosing the CLIPScore threshold on a validation split.
"""
