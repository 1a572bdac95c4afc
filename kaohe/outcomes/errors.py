"""The stable codes of the outcomes domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class OutcomesErrorCode(ErrorCode):
    # archive: corrections of a frozen year
    CORRECTION_BAD_FIELD = "outcomes.correction_bad_field"
    CORRECTION_BAD_VALUE = "outcomes.correction_bad_value"
    CORRECTION_NEEDS_REASON = "outcomes.correction_needs_reason"
    CORRECTION_UNCHANGED = "outcomes.correction_unchanged"
    # priors: earlier years imported from Excel
    PRIORS_FILE_INVALID = "outcomes.priors_file_invalid"
    PRIORS_IMPORT_RUNNING = "outcomes.priors_import_running"
    PRIORS_NO_FILE = "outcomes.priors_no_file"
    PRIORS_ROWS_INVALID = "outcomes.priors_rows_invalid"
    # consequences: recording what was done
    BAD_DAY = "outcomes.bad_day"
    DAY_BEFORE_TASK = "outcomes.day_before_task"
    DAY_IN_FUTURE = "outcomes.day_in_future"
    NOTE_REQUIRED = "outcomes.note_required"
    NOT_OPEN = "outcomes.not_open"
    NOT_OWNER = "outcomes.not_owner"
    # any free text past its column (a note, a correction's reason or basis)
    TEXT_TOO_LONG = "outcomes.text_too_long"
