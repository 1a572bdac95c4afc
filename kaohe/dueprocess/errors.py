"""The stable codes of the due-process domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class DueProcessErrorCode(ErrorCode):
    # clocks: a request after its deadline names the day that passed
    TOO_LATE = "dueprocess.too_late"
    TEXT_REQUIRED = "dueprocess.text_required"

    # publicity (公示): starting it, objections and findings
    RUN_NOT_COMPUTED = "dueprocess.run_not_computed"
    PUBLICITY_EXISTS = "dueprocess.publicity_exists"
    NO_CANDIDATES = "dueprocess.no_candidates"
    CANDIDATE_WITHDRAWN = "dueprocess.candidate_withdrawn"
    TEXT_TOO_LONG = "dueprocess.text_too_long"
    FINDING_REQUIRED = "dueprocess.finding_required"
    ALREADY_RESOLVED = "dueprocess.already_resolved"
    NOT_IN_SCOPE = "dueprocess.not_in_scope"
