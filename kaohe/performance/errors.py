"""The stable codes of the performance domain's refusals (convention in kaohe.core.errors)."""

from __future__ import annotations

from kaohe.core.errors import ErrorCode


class PerformanceErrorCode(ErrorCode):
    # --- months (P1) ---
    NOT_OFFICE = "performance.not_office"
    MONTH_EXISTS = "performance.month_exists"
    MONTH_BAD = "performance.month_bad"
    MONTH_PUBLISHED = "performance.month_published"
    MONTH_NOT_COMPUTED = "performance.month_not_computed"
    NO_SYSTEM = "performance.no_system"
    CELLS_INVALID = "performance.cells_invalid"
    STALE = "performance.stale"
    NOT_REPORTER = "performance.not_reporter"
    REPORT_TOO_LONG = "performance.report_too_long"
    EVIDENCE_TOO_BIG = "performance.evidence_too_big"
    EVIDENCE_BAD_TYPE = "performance.evidence_bad_type"
    EVIDENCE_TOO_MANY = "performance.evidence_too_many"
    # --- year (P2) ---
    YEAR_LOCKED = "performance.year_locked"
    YEAR_STALE = "performance.year_stale"
    YEAR_BAD_SCORE = "performance.year_bad_score"
    YEAR_UNKNOWN_UNIT = "performance.year_unknown_unit"
    OVERRIDE_NEEDS_REASON = "performance.override_needs_reason"
    OVERRIDE_MISSING = "performance.override_missing"
    MARK_NEEDS_CITATION = "performance.mark_needs_citation"
    MARK_BAD_KIND = "performance.mark_bad_kind"
    YEAR_BAD_WEIGHTS = "performance.year_bad_weights"
