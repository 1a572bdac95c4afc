"""The stable codes of the scoring domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class ScoringErrorCode(ErrorCode):
    ALREADY_PUBLISHED = "scoring.already_published"
    BAD_CHOICE = "scoring.bad_choice"
    BAD_PERIOD = "scoring.bad_period"
    BAD_TRANSITION = "scoring.bad_transition"
    BLOCKED = "scoring.blocked"
    FLAG_NEEDS_REASON = "scoring.flag_needs_reason"
    GRADES_CHANGED_MEANWHILE = "scoring.grades_changed_meanwhile"
    GRADES_CONFIRMED = "scoring.grades_confirmed"
    GRADES_INVALID = "scoring.grades_invalid"
    NOT_ASSESSED_PERSON = "scoring.not_assessed_person"
    NOT_OWN_UNIT = "scoring.not_own_unit"
    NOT_PUBLISHED = "scoring.not_published"
    POOL_OVER_QUOTA = "scoring.pool_over_quota"
    PUBLISH_BUSY = "scoring.publish_busy"
    PUBLISH_NOT_CONFIRMED = "scoring.publish_not_confirmed"
    PUBLISH_NOT_TICKED = "scoring.publish_not_ticked"
    QUARTER_NOT_DRAFT = "scoring.quarter_not_draft"
    REOPEN_NEEDS_REASON = "scoring.reopen_needs_reason"
    REOPEN_NOT_FINAL = "scoring.reopen_not_final"
    SHARE_ABOVE_MAX = "scoring.share_above_max"
    SHARE_NEEDS_APPROVAL = "scoring.share_needs_approval"
    SHARE_NEGATIVE = "scoring.share_negative"
    TIES_UNDECIDED = "scoring.ties_undecided"
    YEAR_NOT_DRAFT = "scoring.year_not_draft"
