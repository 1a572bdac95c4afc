"""The stable codes of the due-process domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class DueProcessErrorCode(ErrorCode):
    # clocks: a request after its deadline names the day that passed
    TOO_LATE = "dueprocess.too_late"
    TEXT_REQUIRED = "dueprocess.text_required"

    # cases (复核, 申诉)
    NO_NOTICE = "dueprocess.no_notice"
    CASE_OPEN = "dueprocess.case_open"
    CASE_DECIDED = "dueprocess.case_decided"
    NO_REVIEW_DECISION = "dueprocess.no_review_decision"
    EVIDENCE_TOO_BIG = "dueprocess.evidence_too_big"
    EVIDENCE_BAD_TYPE = "dueprocess.evidence_bad_type"
    BAD_OUTCOME = "dueprocess.bad_outcome"
    GRADE_REQUIRED = "dueprocess.grade_required"
    REASONS_REQUIRED = "dueprocess.reasons_required"
    NOT_DECIDING_BODY = "dueprocess.not_deciding_body"
    EXTENDED_ALREADY = "dueprocess.extended_already"
    NOT_AN_APPEAL = "dueprocess.not_an_appeal"
