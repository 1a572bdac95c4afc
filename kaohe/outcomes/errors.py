"""The stable codes of the outcomes domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class OutcomesErrorCode(ErrorCode):
    # --- priors: earlier years imported from Excel
    PRIORS_FILE_INVALID = "outcomes.priors_file_invalid"
    PRIORS_IMPORT_RUNNING = "outcomes.priors_import_running"
    PRIORS_NO_FILE = "outcomes.priors_no_file"
    PRIORS_ROWS_INVALID = "outcomes.priors_rows_invalid"
