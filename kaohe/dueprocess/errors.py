"""The stable codes of the due-process domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class DueProcessErrorCode(ErrorCode):
    # clocks: a request after its deadline names the day that passed
    TOO_LATE = "dueprocess.too_late"
    TEXT_REQUIRED = "dueprocess.text_required"
