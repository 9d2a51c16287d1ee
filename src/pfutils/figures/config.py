"""Stage 08's params: how claims get their verdicts (`pfutils.figures.evidence`)."""
from pydantic import Field

from ..config import Section


class ClaimsParams(Section):
    resamples: int = Field(ge=100, le=1_000_000, description="bootstrap resamples per claim")
    confidence: float = Field(gt=0.5, lt=1.0, description="the interval's coverage, e.g. 0.95")
    margin: float = Field(ge=0.0, le=1.0, description="\"maintains\" / \"no gain\": a change within it is none")
