"""The stable codes of the due-process domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class DueProcessErrorCode(ErrorCode):
    # clocks: a request after its deadline names the day that passed
    TOO_LATE = "dueprocess.too_late"
    TEXT_REQUIRED = "dueprocess.text_required"

    # notice part: signing the written notice
    NOTICE_ALREADY_SIGNED = "dueprocess.notice_already_signed"
    NOTICE_SUPERSEDED = "dueprocess.notice_superseded"
    NOTICE_NOT_YOURS = "dueprocess.notice_not_yours"
    NOTICE_OPINION_TOO_LONG = "dueprocess.notice_opinion_too_long"
    NOTICE_CHOOSE = "dueprocess.notice_choose"
