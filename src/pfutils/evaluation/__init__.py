"""Stage 07: every model measured the way the paper measures (Section 5, Appendix E/F), plus toyworld's exact
hallucination rate."""
