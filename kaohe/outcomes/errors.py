"""The stable codes of the outcomes domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class OutcomesErrorCode(ErrorCode):
    # archive
    CORRECTION_BAD_FIELD = "outcomes.correction_bad_field"
    CORRECTION_BAD_VALUE = "outcomes.correction_bad_value"
    CORRECTION_NEEDS_REASON = "outcomes.correction_needs_reason"
    CORRECTION_UNCHANGED = "outcomes.correction_unchanged"
