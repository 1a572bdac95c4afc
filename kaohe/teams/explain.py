"""A team's explanation in words: one text per step code (teams.rules.StepCode), its
figures filled in; component, source and grade codes shown by their labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kaohe.teams.models import Component, TeamGrade
from kaohe.teams.rules import StepCode

TEXTS: dict[str, str] = {
    StepCode.MEMBERS: gettext_noop(
        "The team: %(count)s people holding a leadership role in the unit on the year's last day."
    ),
    StepCode.COMPONENT: gettext_noop(
        "%(component)s: %(value)s × weight %(weight)s%% = %(points)s points (%(source)s)."
    ),
    StepCode.MISSING: gettext_noop("%(component)s (weight %(weight)s%%): missing."),
    StepCode.NOT_SCORED: gettext_noop(
        "%(count)s component(s) missing: no score, rank or grade until they are entered and "
        "the year is computed again."
    ),
    StepCode.COMPOSITE: gettext_noop("Annual score: the sum of the weighted points, %(score)s."),
    StepCode.RANK: gettext_noop("Rank %(rank)s of the %(count)s teams scored."),
    StepCode.BAND: gettext_noop("A score of %(score)s falls in the band of %(grade)s."),
    StepCode.QUOTA: gettext_noop(
        "At most %(share)s%% of the %(count)s teams scored may be 优秀: %(limit)s."
    ),
    StepCode.QUOTA_PUSHED: gettext_noop("Beyond the %(limit)s place(s) of the 优秀 quota: 良好."),
    StepCode.TIE: gettext_noop(
        "Tied at %(score)s across the quota line: 良好 for now, so that the quota is not "
        "exceeded; the office decides."
    ),
    StepCode.GRADE: gettext_noop("Grade: %(grade)s."),
}

SOURCES: dict[str, str] = {
    "unit_year": gettext_noop("the unit's annual performance result"),
    "round": gettext_noop(
        "the mean of %(counted)s of the %(members)s members' results in the annual "
        "democratic evaluation"
    ),
    "entered": gettext_noop("entered by the assessment office"),
}


def _source(params: Mapping[str, Any]) -> str:
    code = str(params.get("source", ""))
    text = SOURCES.get(code)
    if text is None:
        return ""
    if code == "round":
        return _(text) % {
            "counted": params.get("counted", ""),
            "members": params.get("members", ""),
        }
    return _(text)


def step_text(step: Mapping[str, Any]) -> str:
    code = str(step.get("code", ""))
    params: dict[str, Any] = dict(step.get("params") or {})
    text = TEXTS.get(code)
    if text is None:
        return ""
    if "component" in params and params["component"] in Component.values:
        params["component"] = Component(params["component"]).label
    if "grade" in params and params["grade"] in TeamGrade.values:
        params["grade"] = TeamGrade(params["grade"]).label
    if code == StepCode.COMPONENT:
        params["source"] = _source(params)
    return _(text) % params


def explanation(steps: Iterable[Mapping[str, Any]]) -> list[str]:
    return [text for text in map(step_text, steps) if text]
