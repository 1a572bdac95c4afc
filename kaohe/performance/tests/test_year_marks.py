"""R5.8 through the unit (P2): a unit's incentive makes its main leader 优秀 directly,
a criticism by name bars them from 优秀, each citing its document; nobody else in the
unit is touched. Through the annual computation, as the office runs it."""

from __future__ import annotations

import pytest

from kaohe.performance import services
from kaohe.performance.tests.year_fixtures import YEAR
from kaohe.scoring import services as scoring_services
from kaohe.scoring.models import AnnualResult, QuarterRun
from kaohe.scoring.tests.fixtures import year_ready
from kaohe.scoring.tests.test_annual import publish_quarters
from kaohe.testing import World

pytestmark = pytest.mark.django_db

INCENTIVE = "区委办〔2026〕12号 真抓实干督查激励通报"
CRITICISM = "区委督查室〔2026〕7号 通报批评"


def _year(world: World, marks: list[tuple[str, str]]) -> dict[str, AnnualResult]:
    office = world.users["region_admin"]
    for kind, reason in marks:
        services.unit_year_mark_record(
            actor=office,
            region=world.region,
            unit_id=world.bureau.pk,
            year=YEAR,
            kind=kind,
            reason=reason,
        )
    year_ready(world)
    run = scoring_services.annual_compute(actor=office, region=world.region, year=YEAR)
    return {r.person.name: r for r in AnnualResult.objects.filter(run=run).select_related("person")}


def _codes(result: AnnualResult) -> dict[str, str]:
    return {s["code"]: str(s.get("params", s)) for s in result.steps}


def test_an_incentive_makes_the_main_leader_excellent_citing_it(
    big: World, graded: QuarterRun
) -> None:
    publish_quarters(big, graded)
    before = _year(big, [])
    head = big.people["head"].name
    assert before[head].grade != "excellent"  # not among the first by score
    after = _year(big, [("incentive", INCENTIVE)])
    assert after[head].grade == "excellent"
    steps = _codes(after[head])
    assert "affirmation" in steps and INCENTIVE in steps["affirmation"]
    # Everyone else keeps the grade the scores gave them, and no affirmation.
    for name, result in after.items():
        if name != head:
            assert "affirmation" not in _codes(result), name
    team = big.people["team"].name
    assert after[team].grade == before[team].grade


def test_a_criticism_bars_the_main_leader_from_excellent_citing_it(
    big: World, graded: QuarterRun
) -> None:
    publish_quarters(big, graded)
    # The incentive too: the veto wins over it (R5.8), and both are recorded.
    after = _year(big, [("incentive", INCENTIVE), ("criticism", CRITICISM)])
    head = after[big.people["head"].name]
    assert head.grade != "excellent"
    steps = _codes(head)
    assert "bar.veto" in steps and CRITICISM in steps["bar.veto"]
    for name, result in after.items():
        if name != head.person.name:
            assert "bar.veto" not in _codes(result), name
