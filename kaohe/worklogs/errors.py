"""The stable codes of the worklogs domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class WorklogErrorCode(ErrorCode):
    BAD_PERIOD = "worklogs.bad_period"
    DAY_CLOSED = "worklogs.day_closed"
    DAY_IN_FUTURE = "worklogs.day_in_future"
    NOT_ASSESSED_IN_PERIOD = "worklogs.not_assessed_in_period"
    NOT_ASSESSED_ON_DAY = "worklogs.not_assessed_on_day"
    NOT_WORKING_DAY = "worklogs.not_working_day"
    NO_PERSON = "worklogs.no_person"
    ON_LEAVE = "worklogs.on_leave"
    SUMMARY_CLOSED = "worklogs.summary_closed"
    SUMMARY_NOT_OPEN = "worklogs.summary_not_open"
    TEXT_EMPTY = "worklogs.text_empty"
    TEXT_TOO_LONG = "worklogs.text_too_long"
    TEXT_TOO_SHORT = "worklogs.text_too_short"
