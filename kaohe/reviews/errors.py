"""The stable codes of the reviews domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class ReviewErrorCode(ErrorCode):
    BAD_CADENCE = "reviews.bad_cadence"
    BAD_DATE = "reviews.bad_date"
    BAD_PERIOD = "reviews.bad_period"
    BAD_TRANSITION = "reviews.bad_transition"
    BALLOT_ALREADY_SUBMITTED = "reviews.ballot_already_submitted"
    BALLOT_INVALID = "reviews.ballot_invalid"
    BALLOT_KEY_CHANGED = "reviews.ballot_key_changed"
    BALLOT_UNIFORM = "reviews.ballot_uniform"
    EXTEND_NEEDS_REASON = "reviews.extend_needs_reason"
    EXTEND_NOT_LATER = "reviews.extend_not_later"
    EXTEND_NOT_OPEN = "reviews.extend_not_open"
    EXTEND_TOO_FAR = "reviews.extend_too_far"
    NOT_SUPERIOR_ADMIN = "reviews.not_superior_admin"
    NOT_UNIT_ADMIN = "reviews.not_unit_admin"
    NO_PERSON = "reviews.no_person"
    NO_PROPOSAL_NEEDED = "reviews.no_proposal_needed"
    NO_PROPOSAL_PENDING = "reviews.no_proposal_pending"
    NO_RESULTS_TO_PUBLISH = "reviews.no_results_to_publish"
    OUTSIDE_VOTING_DAYS = "reviews.outside_voting_days"
    PROPOSAL_NEEDS_NOTE = "reviews.proposal_needs_note"
    RATERS_NOT_APPROVED = "reviews.raters_not_approved"
    REJECTION_NEEDS_REASON = "reviews.rejection_needs_reason"
    REOPEN_BLOCKED = "reviews.reopen_blocked"
    REOPEN_NEEDS_REASON = "reviews.reopen_needs_reason"
    ROUND_CLOSED = "reviews.round_closed"
    ROUND_EXISTS = "reviews.round_exists"
    RULES_INVALID = "reviews.rules_invalid"
    STAFF_NOS_UNKNOWN = "reviews.staff_nos_unknown"
    TOO_FEW_RATERS = "reviews.too_few_raters"
    VOTING_ENDS_BEFORE_START = "reviews.voting_ends_before_start"
    VOTING_NOT_OPEN = "reviews.voting_not_open"
