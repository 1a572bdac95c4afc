"""The stable codes of the notices domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class NoticeErrorCode(ErrorCode):
    ALREADY_SENT = "notices.already_sent"
