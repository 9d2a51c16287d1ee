"""The base of every parameter section: unknown keys fail, values are immutable once validated."""
from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
