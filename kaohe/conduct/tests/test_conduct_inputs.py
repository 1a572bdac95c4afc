"""The year's inputs read the region's discipline and leave in one query (R5.13, R5.4),
and the year's grade and explanation cite each record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kaohe.conduct.models import AbsenceRecord, ConductPolicy, DisciplineRecord, LeaveEffect
from kaohe.conduct.policies import policy_forget
from kaohe.scoring.engine import AnnualPolicy, Effect, StepCode, annual_grades
from kaohe.scoring.explain import explain
from kaohe.scoring.inputs import annual_inputs
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def discipline(
    world: World, who: str, kind: str, start: dt.date, end: dt.date | None = None
) -> None:
    person = world.people[who]
    DisciplineRecord.objects.create(
        region_id=person.region_id,
        person=person,
        kind=kind,
        start=start,
        end=end,
        document=f"区纪发〔{start.year}〕{start.month}号",
    )


def leave(world: World, who: str, start: dt.date, end: dt.date, days: str) -> None:
    person = world.people[who]
    AbsenceRecord.objects.create(
        region_id=person.region_id,
        person=person,
        kind="leave",
        start=start,
        end=end,
        days=Decimal(days),
    )


def conduct_of(world: World, year: int = 2026) -> dict[str, tuple[Effect, ...]]:
    inputs, _members = annual_inputs(world.region.pk, year)
    ids = {p.pk: key for key, p in world.people.items()}
    return {ids[i.person_id]: tuple(c.effect for c in i.conduct) for i in inputs if i.conduct}


def test_each_kind_reaches_the_year_it_bears_on(world: World) -> None:
    discipline(world, "cadre", "warning", dt.date(2026, 3, 2))  # no 优秀 in 2026
    discipline(world, "team", "demerit", dt.date(2025, 6, 1))  # to 2026-05-31: no grade
    discipline(world, "head", "warning", dt.date(2025, 11, 1))  # 2025's, not 2026's
    discipline(world, "town_cadre", "refusal", dt.date(2026, 12, 20))  # 不称职
    discipline(world, "centre_cadre", "major_demerit", dt.date(2024, 3, 1), dt.date(2025, 12, 31))
    discipline(world, "centre_head", "party_serious_warning", dt.date(2026, 8, 1))  # mapping
    discipline(world, "foreign", "demerit", dt.date(2026, 1, 5))  # another region
    assert conduct_of(world) == {
        "cadre": (Effect.NO_EXCELLENT,),
        "team": (Effect.NO_GRADE,),
        "town_cadre": (Effect.INCOMPETENT,),
        "centre_head": (Effect.NO_GRADE,),
    }


def test_long_leave_counts_the_days_in_the_year_under_the_region_policy(world: World) -> None:
    leave(world, "cadre", dt.date(2026, 3, 2), dt.date(2026, 3, 31), "22")
    leave(world, "cadre", dt.date(2026, 6, 1), dt.date(2026, 6, 12), "10")  # 32 > 30
    leave(world, "team", dt.date(2026, 3, 2), dt.date(2026, 4, 10), "30")  # 30: not more
    leave(world, "head", dt.date(2025, 12, 1), dt.date(2025, 12, 31), "23")  # last year
    assert conduct_of(world) == {"cadre": (Effect.NO_EXCELLENT,)}
    ConductPolicy.objects.create(
        region=world.region, leave_days_limit=20, leave_effect=LeaveEffect.NO_GRADE
    )
    policy_forget(world.region.pk)
    assert conduct_of(world) == {"cadre": (Effect.NO_GRADE,), "team": (Effect.NO_GRADE,)}


def test_one_query_whatever_the_number_of_records(world: World) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            annual_inputs(world.region.pk, 2026)
        return sum("conduct_" in q["sql"] for q in ctx.captured_queries)

    annual_inputs(world.region.pk, 2026)  # the policy cached
    assert queries() == 1
    for who in ("cadre", "team", "head", "town_cadre"):
        discipline(world, who, "warning", dt.date(2026, 3, 2))
        leave(world, who, dt.date(2026, 3, 2), dt.date(2026, 3, 31), "22")
    assert queries() == 1


def test_the_grade_and_its_explanation_cite_the_record(world: World) -> None:
    discipline(world, "team", "demerit", dt.date(2026, 4, 1))
    discipline(world, "cadre", "warning", dt.date(2026, 3, 2))
    inputs, _members = annual_inputs(world.region.pk, 2026)
    results = annual_grades(inputs, AnnualPolicy())
    team = results[world.people["team"].pk]
    assert team.grade == "none"
    cadre = results[world.people["cadre"].pk]
    assert cadre.grade == "competent"
    steps = [{"code": s.code, "figures": dict(s.figures)} for s in cadre.steps]
    assert StepCode.CONDUCT_NO_EXCELLENT in [s["code"] for s in steps]
    with translation.override("zh-hans"):
        _headline, lines = explain(steps)
        _headline, team_lines = explain(
            [{"code": s.code, "figures": dict(s.figures)} for s in team.steps]
        )
    assert (
        "不得确定为优秀：警告（区纪发〔2026〕3号，2026-03-02至2026-09-01，按默认处分期）。" in lines
    )
    assert (
        "只写评语，不确定等次：本年度在记过处分期内（区纪发〔2026〕4号，2026-04-01至2027-03-31，"
        "按默认处分期）。" in team_lines
    )
