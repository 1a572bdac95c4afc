"""The stable codes of the outcomes domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class OutcomesErrorCode(ErrorCode):
    # --- priors: earlier years imported from Excel
    PRIORS_FILE_INVALID = "outcomes.priors_file_invalid"
    PRIORS_IMPORT_RUNNING = "outcomes.priors_import_running"
    PRIORS_NO_FILE = "outcomes.priors_no_file"
    PRIORS_ROWS_INVALID = "outcomes.priors_rows_invalid"


# --- consequences ---
class ConsequencesErrorCode(ErrorCode):
    BAD_DAY = "outcomes.consequences.bad_day"
    DAY_BEFORE_TASK = "outcomes.consequences.day_before_task"
    DAY_IN_FUTURE = "outcomes.consequences.day_in_future"
    NOTE_REQUIRED = "outcomes.consequences.note_required"
    NOT_OPEN = "outcomes.consequences.not_open"
    NOT_OWNER = "outcomes.consequences.not_owner"
