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
    # the office (H2)
    NOT_OFFICE = "surveys.not_office"
    WRONG_STATE = "surveys.wrong_state"
    BAD_SURVEY = "surveys.bad_survey"
    BAD_QUESTION = "surveys.bad_question"
    BAD_TARGET = "surveys.bad_target"
    BAD_COUNT = "surveys.bad_count"
    NOT_PAPER_STAFF = "surveys.not_paper_staff"
    SAME_PERSON = "surveys.same_person"
    ALREADY_CHECKED = "surveys.already_checked"
    # Results sent on (H3)
    NOT_CLOSED = "surveys.not_closed"
    NO_GROUP = "surveys.no_group"
    LOW_ITEMS_SENT = "surveys.low_items_sent"
