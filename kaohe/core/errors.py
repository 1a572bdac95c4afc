"""One exception hierarchy for the application; views turn it into a message.

Every refusal carries a stable `code`: a member of its domain's ErrorCode enum in that
domain's `errors.py`, valued "<domain>.<snake_name>" (as Saleor's error codes). Tests,
the API and its clients match the code, never the translated wording, which changes
with the language and with copy edits. A published code keeps its meaning; a new kind
of refusal gets a new code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Base of every domain's error codes (no members: Enum forbids extending those)."""


class CoreErrorCode(ErrorCode):
    FILE_TOO_LARGE = "core.file_too_large"
    HIDDEN_SHEET = "core.hidden_sheet"
    INVISIBLE_CHARACTERS = "core.invisible_characters"
    NOT_XLSX = "core.not_xlsx"
    NUMBER_OUT_OF_RANGE = "core.number_out_of_range"
    SHEET_TOO_LARGE = "core.sheet_too_large"
    TOO_MANY_COLUMNS = "core.too_many_columns"
    TOO_MANY_ROWS = "core.too_many_rows"
    WORKBOOK_DAMAGED = "core.workbook_damaged"


class ApplicationError(Exception):
    """A refusal the user can act on; `message` is already translated for them.

    `problems` lists every problem found when there are several (each shown on a line
    of its own; `message` then sums them up); a single refusal lists its message alone.
    `extra` carries what one page needs beyond that (the ballot page marks its fields).
    """

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode,
        problems: Sequence[object] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        # str(): a roster's rows are RowError objects that read "Row 3 name: …".
        self.problems: list[str] = [str(p) for p in problems] or [message]
        self.extra = dict(extra or {})


class ValidationFailed(ApplicationError):
    """Input was rejected; `problems` lists every problem found."""
