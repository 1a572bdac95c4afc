"""The stable codes of the outcomes domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


# --- consequences ---
class ConsequencesErrorCode(ErrorCode):
    BAD_DAY = "outcomes.consequences.bad_day"
    DAY_BEFORE_TASK = "outcomes.consequences.day_before_task"
    DAY_IN_FUTURE = "outcomes.consequences.day_in_future"
    NOTE_REQUIRED = "outcomes.consequences.note_required"
    NOT_OPEN = "outcomes.consequences.not_open"
    NOT_OWNER = "outcomes.consequences.not_owner"
