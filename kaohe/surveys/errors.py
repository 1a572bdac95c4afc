"""The stable codes of the public surveys' refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class SurveyErrorCode(ErrorCode):
    ANSWER_REQUIRED = "surveys.answer_required"
    BAD_ANSWER = "surveys.bad_answer"
    CLOSED = "surveys.closed"
    CODE_USED = "surveys.code_used"
    CODE_UNKNOWN = "surveys.code_unknown"
    TEXT_TOO_LONG = "surveys.text_too_long"
    # Results sent on (H3)
    NOT_CLOSED = "surveys.not_closed"
    NO_GROUP = "surveys.no_group"
    LOW_ITEMS_SENT = "surveys.low_items_sent"
