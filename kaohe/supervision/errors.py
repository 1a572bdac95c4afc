"""The stable codes of the supervision ledger's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class SupervisionErrorCode(ErrorCode):
    BAD_CHOICE = "supervision.bad_choice"
    BAD_DATE = "supervision.bad_date"
    EVIDENCE_BAD_TYPE = "supervision.evidence_bad_type"
    EVIDENCE_REQUIRED = "supervision.evidence_required"
    EVIDENCE_TOO_BIG = "supervision.evidence_too_big"
    GROUP_INACTIVE = "supervision.group_inactive"
    NOT_GROUP_MEMBER = "supervision.not_group_member"
    NOT_UNIT = "supervision.not_unit"
    TEXT_REQUIRED = "supervision.text_required"
    TEXT_TOO_LONG = "supervision.text_too_long"
    TOO_MANY_FILES = "supervision.too_many_files"
    UNIT_NOT_COVERED = "supervision.unit_not_covered"
    WRONG_STATE = "supervision.wrong_state"
