"""What both schemas share: strict models, identifiers, the shot-length limit, and content digests."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MAX_SHOT_SECONDS = 10.0  # the paper's limit: one shot is at most 10 s

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=40,
                                  description="lower-case letters, digits, '-' and '_'; stable across edits")]


class Strict(BaseModel):
    """Unknown keys are errors (with a 'did you mean' hint): a typo must never be silently ignored.
    No number is NaN or infinite (`.nan` would pass every bound check, since every comparison with it is false)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


def digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]

