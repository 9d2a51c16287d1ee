"""Stage 08: the paper's figures and tables redrawn from this run's measurements, and the claims checked."""
