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

from kaohe.scoring.engine import AnnualGrade, QuarterGrade


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
        AnnualGrade.NONE: _("No grade (probation)"),
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


@cache
def _step_texts(language: str | None) -> dict[str, str]:
    """Each step code's sentence (its figures filled in by `_line`)."""
    return {
        # Not a step code (a colon): the main leader's variant of "annual.role".
        "annual.role:main": _("Weighted as the unit's main leader."),
        "annual.role": _("Weighted as a cadre other than the unit's main leader."),
        "band": _("By score band, %(score)s is “%(grade)s”."),
        "quota": _(
            "The quota pool has %(count)s graded people; at most %(share)s%% may be 好, "
            "i.e. %(limit)s."
        ),
        "floor": _("By the score's floor, %(score)s is at most “%(grade)s”."),
        "rank": _(
            "By rank within the pool's quota: place %(place)s among those who may be 好; "
            "the first %(limit)s are 好."
        ),
        "rank.withheld": _(
            "With no rating score kept, this score is not ranked against the others' for "
            "好; the unit head may give 好 with a reason while the pool has a place left."
        ),
        "quota_pushed": _("Beyond the pool's places for the top grade, so one grade lower."),
        "tie": _("Equal to the score at the quota boundary (%(score)s): the unit head decides."),
        "veto": _("A veto item applies: %(reasons)s."),
        "not_graded": _("On probation: comments, no grade."),
        "grade": _("Grade: %(grade)s."),
        "clipped": _("%(from)s is outside 0–100, so %(to)s counts."),
        "part.none": _("No rating and no indicator results yet."),
        "part.withheld": _(
            "Fewer than %(minimum)s valid ballots rated this person, so no rating score is "
            "kept (it could reveal a rater); its weight goes to the other part."
        ),
        "annual.withheld": _(
            "Fewer than %(minimum)s valid ballots rated this person in the democratic "
            "evaluation, so no score is kept from it; its weight goes to the other parts."
        ),
        "annual.quota": _(
            "%(count)s graded in the pool; 优秀 places %(limit)s, of which %(places)s by score."
        ),
        "annual.rank": _(
            "By rank within the pool's quota: place %(place)s among those who may be 优秀; "
            "the first %(places)s are 优秀."
        ),
        "ladder": _("%(count)s failing quarters this year."),
        "probation": _("On probation: comments, no grade."),
        "investigation": _("Under investigation: the grade is given when the case closes."),
        "bar.veto": _("Cannot be 优秀: %(reason)s."),
        "bar.low_quarter": _("Cannot be 优秀: %(count)s quarters rated 一般 or below."),
        "bar.few_good": _("Cannot be 优秀: %(count)s quarters rated 好, %(needed)s needed."),
        "bar.other": _("Cannot be 优秀: %(reason)s."),
        "affirmation": _("优秀 directly: %(reason)s."),
        "priority": _("All four quarters 好: priority for awards, training and promotion."),
        "annual.grade": _("Annual grade: %(grade)s."),
        "proposed": _("The unit head set the grade to “%(grade)s”: %(reason)s."),
    }


def _line(step: Mapping[str, Any]) -> str | None:
    code: str = step["code"]
    f = _Figures(step.get("figures", {}))
    if "grade" in f:
        f["grade"] = grade_label(f["grade"])
    if code == "annual.role" and f["role"] == "main":
        code = "annual.role:main"
    texts = _step_texts(get_language())
    if code in texts:
        return texts[code] % f
    return None


def explain(steps: Iterable[Mapping[str, Any]]) -> tuple[str, list[str]]:
    """A headline formula and the lines that follow it."""
    steps = list(steps)
    parts, extras, score = [], [], None
    names = {
        "part.evaluation": _("rating score"),
        "part.indicators": _("indicator score"),
        "annual.democratic": _("democratic evaluation"),
        "annual.unit_result": _("unit annual result"),
        "annual.quarterly": _("quarterly average"),
    }
    for step in steps:
        code, f = step["code"], step.get("figures", {})
        if code in names:
            parts.append(f"{names[code]} {f['value']} × {f['weight']}%")
        elif code == "adjustment":
            detail = f"（{f['detail']}）" if f.get("detail") else ""
            extras.append(f"{f['label']} {f['points']}{detail}")
        elif code in ("score", "annual.composite"):
            score = f["score"]
    label = (
        _("Score this quarter")
        if any(s["code"] == "score" for s in steps)
        else _("Annual composite")
    )
    shown = "—" if score is None else score  # a run without a final score step
    headline = f"{label} {shown} = " + " + ".join(parts) if parts else f"{label} {shown}"
    if extras:
        headline += "；" + "；".join(extras)
    lines = [line for line in (_line(s) for s in steps) if line]
    return headline, lines
