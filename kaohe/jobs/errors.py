"""The stable codes of the jobs domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class JobErrorCode(ErrorCode):
    ACTOR_GONE = "jobs.actor_gone"
    ALREADY_STARTING = "jobs.already_starting"
    EXPORT_NEEDS_PERSON = "jobs.export_needs_person"
    EXPORT_NO_LONGER_VISIBLE = "jobs.export_no_longer_visible"
