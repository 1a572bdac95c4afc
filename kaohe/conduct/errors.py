"""The stable codes of the conduct domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class ConductErrorCode(ErrorCode):
    ALREADY_ENDED = "conduct.already_ended"
    BAD_DATE = "conduct.bad_date"
    BAD_DAYS = "conduct.bad_days"
    BAD_KIND = "conduct.bad_kind"
    END_BEFORE_START = "conduct.end_before_start"
    NEEDS_DOCUMENT = "conduct.needs_document"
    NOT_IN_SCOPE = "conduct.not_in_scope"
    OTHER_REGION = "conduct.other_region"
    TEXT_TOO_LONG = "conduct.text_too_long"
    UNKNOWN_PERSON = "conduct.unknown_person"
