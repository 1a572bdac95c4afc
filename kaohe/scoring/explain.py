"""Turning the engine's steps into plain sentences for cadres and auditors (R5, explanation).

Example:
本季度得分 85.50 = 评价得分 90.00 × 70% + 指标得分 80.00 × 30%；缺写工作日志 −1.50（3 × 0.5）
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from kaohe.conduct.models import DisciplineKind
from kaohe.scoring.engine import AnnualGrade, QuarterGrade, StepCode


# The tables below are built once per language, not per call: a page of 50 rows asked
# for each row's labels and rebuilt the tables (hundreds of catalogue lookups) each time.
@cache
def _grade_labels(language: str | None) -> dict[str, str]:
    return {
        QuarterGrade.GOOD: _("Good"),
        QuarterGrade.FAIRLY_GOOD: _("Fairly good"),
        QuarterGrade.AVERAGE: _("Average"),
        QuarterGrade.POOR: _("Poor"),
        AnnualGrade.EXCELLENT: _("Excellent"),
        AnnualGrade.COMPETENT: _("Competent"),
        AnnualGrade.BASIC: _("Basically competent"),
        AnnualGrade.INCOMPETENT: _("Incompetent"),
        AnnualGrade.NONE: _("No grade (comments only)"),
        AnnualGrade.PENDING: _("Pending (under investigation)"),
    }


def grade_label(value: str) -> str:
    return _grade_labels(get_language()).get(value, value) if value else "—"


CONSEQUENCES = {
    "talk": gettext_noop("Talk with the unit head"),
    "notice": gettext_noop("Notice of criticism in the unit"),
    "basic": gettext_noop("Annual grade at most 基本称职"),
    "incompetent": gettext_noop("Annual grade 不称职"),
}


def consequence_label(code: str) -> str:
    return _(CONSEQUENCES.get(code, code))


class _Figures(dict[str, str]):
    """A step's figures; one missing (a step stored by an older engine) reads as a dash
    instead of failing the whole page."""

    def __missing__(self, key: str) -> str:
        return "—"


# Compared with every step of every explanation shown: module globals, as in the engine
# (an enum member's lookup costs ten times a global's).
_ANNUAL_ROLE = StepCode.ANNUAL_ROLE
_ADJUSTMENT = StepCode.ADJUSTMENT
_SCORE = StepCode.SCORE
_ANNUAL_COMPOSITE = StepCode.ANNUAL_COMPOSITE


@cache
def _step_texts(language: str | None) -> dict[str, str]:
    """The sentence of each step code that reads as a line of its own (its figures filled
    in by `_line`); the others make up the headline (`HEADLINE_CODES`). Keyed by the
    registry's members, which equal the plain codes stored in results' steps."""
    return {
        StepCode.ANNUAL_ROLE: _("Weighted as a cadre other than the unit's main leader."),
        StepCode.BAND: _("By score band, %(score)s is “%(grade)s”."),
        StepCode.QUOTA: _(
            "The quota pool has %(count)s graded people; at most %(share)s%% may be 好, "
            "i.e. %(limit)s."
        ),
        StepCode.FLOOR: _("By the score's floor, %(score)s is at most “%(grade)s”."),
        StepCode.RANK: _(
            "By rank within the pool's quota: place %(place)s among those who may be 好; "
            "the first %(limit)s are 好."
        ),
        StepCode.RANK_WITHHELD: _(
            "With no rating score kept, this score is not ranked against the others' for "
            "好; the unit head may give 好 with a reason while the pool has a place left."
        ),
        StepCode.QUOTA_PUSHED: _("Beyond the pool's places for the top grade, so one grade lower."),
        StepCode.TIE: _(
            "Equal to the score at the quota boundary (%(score)s): the unit head decides."
        ),
        StepCode.VETO: _("A veto item applies: %(reasons)s."),
        StepCode.NOT_GRADED: _("On probation: comments, no grade."),
        StepCode.GRADE: _("Grade: %(grade)s."),
        StepCode.CLIPPED: _("%(from)s is outside 0–100, so %(to)s counts."),
        StepCode.PART_NONE: _("No rating and no indicator results yet."),
        StepCode.PART_WITHHELD: _(
            "Fewer than %(minimum)s valid ballots rated this person, so no rating score is "
            "kept (it could reveal a rater); its weight goes to the other part."
        ),
        StepCode.ANNUAL_WITHHELD: _(
            "Fewer than %(minimum)s valid ballots rated this person in the democratic "
            "evaluation, so no score is kept from it; its weight goes to the other parts."
        ),
        StepCode.ANNUAL_QUOTA: _(
            "%(count)s graded in the pool; 优秀 places %(limit)s, of which %(places)s by score."
        ),
        StepCode.ANNUAL_RANK: _(
            "By rank within the pool's quota: place %(place)s among those who may be 优秀; "
            "the first %(places)s are 优秀."
        ),
        StepCode.LADDER: _("%(count)s failing quarters this year."),
        StepCode.PROBATION: _("On probation: comments, no grade."),
        StepCode.INVESTIGATION: _("Under investigation: the grade is given when the case closes."),
        StepCode.BAR_VETO: _("Cannot be 优秀: %(reason)s."),
        StepCode.BAR_LOW_QUARTER: _("Cannot be 优秀: %(count)s quarters rated 一般 or below."),
        StepCode.BAR_FEW_GOOD: _("Cannot be 优秀: %(count)s quarters rated 好, %(needed)s needed."),
        StepCode.BAR_OTHER: _("Cannot be 优秀: %(reason)s."),
        StepCode.AFFIRMATION: _("优秀 directly: %(reason)s."),
        StepCode.PRIORITY: _("All four quarters 好: priority for awards, training and promotion."),
        StepCode.ANNUAL_GRADE: _("Annual grade: %(grade)s."),
        StepCode.PROPOSED: _("The unit head set the grade to “%(grade)s”: %(reason)s."),
        StepCode.CONDUCT_NO_EXCELLENT: _("Cannot be 优秀: %(kind)s (%(document)s, %(period)s)."),
        StepCode.CONDUCT_NO_GRADE: _(
            "Comments only, no grade: the year falls in the period of a %(kind)s "
            "(%(document)s, %(period)s)."
        ),
        StepCode.CONDUCT_INCOMPETENT: _("Graded 不称职: %(kind)s (%(document)s, %(period)s)."),
        StepCode.LEAVE_NO_EXCELLENT: _(
            "Cannot be 优秀: %(days)s days of leave this year, more than %(limit)s."
        ),
        StepCode.LEAVE_NO_GRADE: _(
            "Comments only, no grade: %(days)s days of leave this year, more than %(limit)s."
        ),
    }


# The steps that cite a discipline record: their kind is shown by its label and their
# dates as one period.
_CONDUCT_CODES = frozenset(
    {StepCode.CONDUCT_NO_EXCELLENT, StepCode.CONDUCT_NO_GRADE, StepCode.CONDUCT_INCOMPETENT}
)


def _conduct_figures(f: _Figures) -> None:
    """A record's kind as its label, and its dates as one period (one day where it has
    no period, as a refusal; the default period marked as such)."""
    if f["kind"] in DisciplineKind.values:  # else a kind since removed: its code
        f["kind"] = str(DisciplineKind(f["kind"]).label)
    start, end = f["start"], f["end"]
    period = start if start == end else _("%(start)s to %(end)s") % {"start": start, "end": end}
    if f.get("default") == "1":
        period = _("%(period)s, the default period") % {"period": period}
    f["period"] = period


@cache
def _main_leader_text(language: str | None) -> str:
    """The main leader's variant of `StepCode.ANNUAL_ROLE` (figure role = main)."""
    return _("Weighted as the unit's main leader.")


def _line(step: Mapping[str, Any]) -> str | None:
    code: str = step["code"]
    f = _Figures(step.get("figures", {}))
    if "grade" in f:
        f["grade"] = grade_label(f["grade"])
    if code == _ANNUAL_ROLE and f["role"] == "main":
        return _main_leader_text(get_language())
    if code in _CONDUCT_CODES:
        _conduct_figures(f)
    text = _step_texts(get_language()).get(code)
    return None if text is None else text % f


@cache
def _part_names(language: str | None) -> dict[str, str]:
    """The headline's name of each weighted part's code."""
    return {
        StepCode.PART_EVALUATION: _("rating score"),
        StepCode.PART_INDICATORS: _("indicator score"),
        StepCode.ANNUAL_DEMOCRATIC: _("democratic evaluation"),
        StepCode.ANNUAL_UNIT_RESULT: _("unit annual result"),
        StepCode.ANNUAL_QUARTERLY: _("quarterly average"),
    }


# The codes `explain` writes into the headline rather than as lines: the weighted parts
# (`_part_names`), the adjustments after them and the final score.
HEADLINE_CODES = frozenset(
    {
        StepCode.PART_EVALUATION,
        StepCode.PART_INDICATORS,
        StepCode.ANNUAL_DEMOCRATIC,
        StepCode.ANNUAL_UNIT_RESULT,
        StepCode.ANNUAL_QUARTERLY,
        StepCode.ADJUSTMENT,
        StepCode.SCORE,
        StepCode.ANNUAL_COMPOSITE,
    }
)


def rendered_codes() -> dict[StepCode, str]:
    """Each code of the registry and how `explain` renders it ("line" or "headline"):
    the test that every code has a text reads this, so a code added to `StepCode`
    without a text here fails it."""
    texts = _step_texts(get_language())
    out = {StepCode(code): "line" for code in texts}
    out.update((code, "headline") for code in HEADLINE_CODES)
    return out


def explain(steps: Iterable[Mapping[str, Any]]) -> tuple[str, list[str]]:
    """A headline formula and the lines that follow it."""
    steps = list(steps)
    parts, extras, score = [], [], None
    names = _part_names(get_language())
    adjustment, score_code, composite = _ADJUSTMENT, _SCORE, _ANNUAL_COMPOSITE
    for step in steps:
        code, f = step["code"], step.get("figures", {})
        if code in names:
            parts.append(f"{names[code]} {f['value']} × {f['weight']}%")
        elif code == adjustment:
            detail = f"（{f['detail']}）" if f.get("detail") else ""
            extras.append(f"{f['label']} {f['points']}{detail}")
        elif code in (score_code, composite):
            score = f["score"]
    label = (
        _("Score this quarter")
        if any(s["code"] == score_code for s in steps)
        else _("Annual composite")
    )
    shown = "—" if score is None else score  # a run without a final score step
    headline = f"{label} {shown} = " + " + ".join(parts) if parts else f"{label} {shown}"
    if extras:
        headline += "；" + "；".join(extras)
    lines = [line for line in (_line(s) for s in steps) if line]
    return headline, lines
