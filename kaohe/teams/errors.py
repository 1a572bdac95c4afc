"""The stable codes of the teams domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class TeamErrorCode(ErrorCode):
    BAD_ENTRY = "teams.bad_entry"
    BAD_POLICY = "teams.bad_policy"
    BAD_YEAR = "teams.bad_year"
    ENTRIES_CHANGED = "teams.entries_changed"
    INCOMPLETE = "teams.incomplete"
    INPUTS_CHANGED = "teams.inputs_changed"
    NOT_COMPUTED = "teams.not_computed"
    NO_TEAMS = "teams.no_teams"
    PUBLISHED = "teams.published"
    STALE_ENTRY = "teams.stale_entry"
    UNKNOWN_UNIT = "teams.unknown_unit"
