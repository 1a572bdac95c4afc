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
    # publicity (公示): starting it, objections and findings
    RUN_NOT_COMPUTED = "dueprocess.run_not_computed"
    PUBLICITY_EXISTS = "dueprocess.publicity_exists"
    NO_CANDIDATES = "dueprocess.no_candidates"
    CANDIDATE_WITHDRAWN = "dueprocess.candidate_withdrawn"
    TEXT_TOO_LONG = "dueprocess.text_too_long"
    FINDING_REQUIRED = "dueprocess.finding_required"
    ALREADY_RESOLVED = "dueprocess.already_resolved"
    NOT_IN_SCOPE = "dueprocess.not_in_scope"
    # notice part: signing the written notice
    NOTICE_ALREADY_SIGNED = "dueprocess.notice_already_signed"
    NOTICE_SUPERSEDED = "dueprocess.notice_superseded"
    NOTICE_NOT_YOURS = "dueprocess.notice_not_yours"
    NOTICE_OPINION_TOO_LONG = "dueprocess.notice_opinion_too_long"
    NOTICE_CHOOSE = "dueprocess.notice_choose"
