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
    DEVICE_LIMIT = "surveys.device_limit"
    ADDRESS_LIMIT = "surveys.address_limit"
    TOO_FAST = "surveys.too_fast"
    CHALLENGE_WRONG = "surveys.challenge_wrong"
    CHALLENGE_REPLAYED = "surveys.challenge_replayed"
    CHALLENGE_FAILED = "surveys.challenge_failed"
