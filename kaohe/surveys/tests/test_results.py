"""Survey results: indices and intervals by hand, nothing below k, rankings, scoping,
query counts, and the three feeds (performance's 民评, cadres' plus and minus items,
the ledger's low items)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.core.models import AuditEvent
from kaohe.org.models import Unit
from kaohe.performance import services as performance
from kaohe.performance.models import PublicEvaluation
from kaohe.performance.tests.helpers import setup_months
from kaohe.scoring import engine
from kaohe.scoring.explain import explain
from kaohe.scoring.inputs import quarter_inputs
from kaohe.supervision.errors import SupervisionErrorCode
from kaohe.supervision.models import Finding, SupervisionGroup
from kaohe.supervision.policies import deadline_for
from kaohe.supervision.policies import policy_for as supervision_policy
from kaohe.surveys import results
from kaohe.surveys.errors import SurveyErrorCode
from kaohe.surveys.models import (
    Answer,
    Channel,
    Comment,
    CommentState,
    IndexKind,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyState,
    Target,
)
from kaohe.surveys.services import survey_send_low_items
from kaohe.testing import World, refused
from kaohe.worklogs.rules import Period

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 10, 20)
NumQueries = Callable[[int], AbstractContextManager[object]]


@dataclass
class Rated:
    survey: Survey
    happy: Question  # 1–5, happiness
    satisfied: Question  # 1–10, satisfaction
    say: Question  # free text
    targets: dict[str, Target]


def make_survey(world: World, **fields: object) -> Rated:
    values: dict[str, object] = {
        "region": world.region,
        "name": "2026年10月民评",
        "state": SurveyState.CLOSED,
        "opens_on": dt.date(2026, 10, 1),
        "closes_on": dt.date(2026, 10, 31),
        "year": 2026,
        "month": 10,
    }
    values.update(fields)
    survey = Survey.objects.create(**values)
    happy = Question.objects.create(
        survey=survey,
        position=1,
        text="幸福吗",
        kind=QuestionKind.SCALE5,
        index=IndexKind.HAPPINESS,
    )
    satisfied = Question.objects.create(
        survey=survey,
        position=2,
        text="满意吗",
        kind=QuestionKind.SCALE10,
        index=IndexKind.SATISFACTION,
    )
    say = Question.objects.create(
        survey=survey, position=3, text="意见", kind=QuestionKind.TEXT, required=False
    )
    targets = {
        "bureau": Target.objects.create(survey=survey, unit=world.bureau),
        "window": Target.objects.create(survey=survey, unit=world.bureau, window="一号窗口"),
        "centre": Target.objects.create(survey=survey, unit=world.centre),
        "town": Target.objects.create(survey=survey, unit=world.town),
        "head": Target.objects.create(
            survey=survey, unit=world.bureau, person=world.people["head"]
        ),
        "team": Target.objects.create(
            survey=survey, unit=world.bureau, person=world.people["team"]
        ),
    }
    return Rated(survey, happy, satisfied, say, targets)


def respond(
    r: Rated,
    target: str,
    happy: list[int],
    satisfied: list[int],
    *,
    counted: bool = True,
    texts: dict[int, tuple[str, CommentState]] | None = None,
) -> None:
    """One response per position of `happy` (and `satisfied`, same length)."""
    texts = texts or {}
    for i, (h, s) in enumerate(zip(happy, satisfied, strict=True)):
        response = Response.objects.create(
            target=r.targets[target], channel=Channel.TOKEN, day=DAY, counted=counted
        )
        Answer.objects.bulk_create(
            [
                Answer(response=response, question=r.happy, value=h),
                Answer(response=response, question=r.satisfied, value=s),
            ]
        )
        if i in texts:
            text, state = texts[i]
            Comment.objects.create(
                response=response,
                question=r.say,
                text=text + "（张三 13800000000）",
                state=state,
                released_text=text if state == CommentState.RELEASED else "",
            )


def standard(world: World, **fields: object) -> Rated:
    """The bureau 10 counted responses (its own 6, its window 4), happiness 8 of 10
    favourable (4 or 5), satisfaction 5 of 10 (8 to 10), one paper response unchecked;
    the centre 10 all top; the town 9 (below k = 10); the head 10 all top; the team
    member 10 all low."""
    r = make_survey(world, **fields)
    respond(
        r,
        "bureau",
        [5, 4, 4, 5, 3, 2],
        [10, 8, 9, 7, 3, 8],
        texts={
            0: ("窗口服务很耐心", CommentState.RELEASED),
            1: ("排队太久", CommentState.PENDING),
            2: ("态度差", CommentState.WITHHELD),
        },
    )
    respond(r, "window", [5, 4, 4, 5], [8, 6, 5, 1])
    respond(r, "bureau", [1], [1], counted=False)  # a paper form not yet checked
    respond(r, "centre", [5] * 10, [10] * 10, texts={0: ("很好", CommentState.RELEASED)})
    respond(r, "town", [5] * 9, [10] * 9, texts={0: ("不错", CommentState.RELEASED)})
    respond(r, "head", [5] * 10, [10] * 10)
    respond(r, "team", [1] * 10, [1] * 10)
    return r


# ------------------------------------------------------------------ the selectors


def test_a_units_index_and_interval_by_hand(world: World) -> None:
    r = standard(world)
    found = results.unit_results(world.users["region_admin"], world.bureau.pk)
    (row,) = found.rows
    result = row.result
    # n = 10: the unit's and its window's counted responses; not the unchecked paper
    # form, nor the named cadres' targets.
    assert result.n == 10 and result.shown
    happy, satisfied = result.indices
    # Happiness 8 of 10: 80.00, Wilson 95% 49.02–94.33 (test_stats works it out).
    assert (happy.kind, happy.favourable, happy.answers) == (IndexKind.HAPPINESS, 8, 10)
    assert (happy.value, happy.low, happy.high) == (
        Decimal("80.00"),
        Decimal("49.02"),
        Decimal("94.33"),
    )
    # Satisfaction 5 of 10 (10, 8, 9, 8, 8 of 10): 50.00; p = 0.5, z²/n = 0.38416,
    # centre 0.69208, margin 1.96 × √(0.025 + 0.009604) = 0.364604;
    # (0.327476, 1.056684) / 1.38416 = 0.236588, 0.763412 → 23.66–76.34.
    assert (satisfied.favourable, satisfied.value, satisfied.low, satisfied.high) == (
        5,
        Decimal("50.00"),
        Decimal("23.66"),
        Decimal("76.34"),
    )
    # Overall pools the index questions: 13 of 20 = 65.00; p = 0.65, z²/n = 0.19208,
    # centre 0.74604, margin 1.96 × √(0.011375 + 0.002401) = 0.230030;
    # (0.516010, 0.976070) / 1.19208 = 0.432866, 0.818796 → 43.29–81.88.
    assert result.overall is not None
    assert (result.overall.value, result.overall.low, result.overall.high) == (
        Decimal("65.00"),
        Decimal("43.29"),
        Decimal("81.88"),
    )
    # The released text only: neither the pending nor the withheld, nor the raw text.
    assert row.comments == ["窗口服务很耐心"]
    assert [t.survey for t in found.trend] == [r.survey]


def test_below_k_nothing_is_shown(world: World) -> None:
    standard(world)
    found = results.unit_results(world.users["region_admin"], world.town.pk)
    (row,) = found.rows
    assert row.result.n == 9 and not row.result.shown
    assert row.result.indices == () and row.result.overall is None
    assert row.comments == []  # its released comment waits for k responses


def test_ranking_of_units_with_the_ones_below_k_apart(world: World) -> None:
    r = standard(world)
    ranking = results.survey_ranking(world.users["region_admin"], r.survey.pk)
    assert [(row.rank, row.unit_id) for row in ranking.ranked] == [
        (1, world.centre.pk),
        (2, world.bureau.pk),
    ]
    assert [(f.unit_id, f.n) for f in ranking.fewer] == [(world.town.pk, 9)]
    # The region pools its units with k responses (not the town, whose 9 would be
    # given away by subtraction, nor the named cadres): 20 responses, happiness
    # 8 + 10 and satisfaction 5 + 10 favourable: 33 of 40 answers.
    assert ranking.region.n == 20
    assert ranking.region.overall is not None
    assert ranking.region.overall.favourable == 33
    assert ranking.region.overall.answers == 40
    overview = results.region_overview(world.users["region_admin"])
    assert overview.surveys[0].region == ranking.region


def test_ties_share_a_rank(world: World) -> None:
    r = make_survey(world)
    respond(r, "bureau", [5] * 10, [10] * 10)
    respond(r, "centre", [5] * 10, [10] * 10)
    respond(r, "town", [1] * 10, [1] * 10)
    ranking = results.survey_ranking(world.users["region_admin"], r.survey.pk)
    assert [row.rank for row in ranking.ranked] == [1, 1, 3]


def test_scoping(world: World) -> None:
    r = standard(world)
    admin = world.users["unit_admin"]  # the bureau and its subordinate centre
    assert results.unit_results(admin, world.bureau.pk).rows
    assert results.unit_results(admin, world.centre.pk).rows
    assert results.unit_results(world.users["unit_head"], world.bureau.pk).rows
    with pytest.raises(Http404):
        results.unit_results(admin, world.town.pk)
    with pytest.raises(Http404):
        results.unit_results(world.users["other_admin"], world.bureau.pk)
    with pytest.raises(Http404):
        results.unit_results(world.users["cadre"], world.bureau.pk)
    with pytest.raises(Http404):
        results.survey_ranking(admin, r.survey.pk)
    with pytest.raises(Http404):
        results.survey_ranking(world.users["other_admin"], r.survey.pk)


def test_reads_are_a_few_queries_whatever_the_surveys(
    world: World, django_assert_num_queries: NumQueries
) -> None:
    for i in range(3):
        r = standard(world, name=f"民评{i}", closes_on=dt.date(2026, 10, 20 + i))
    office = world.users["region_admin"]
    results.unit_results(office, world.bureau.pk)  # the user's grants, cached
    # The unit, the policy, the surveys, the responses' and answers' groups, comments.
    with django_assert_num_queries(6):
        found = results.unit_results(office, world.bureau.pk)
    assert len(found.rows) == 3
    # The survey, the policy, the units targeted, the two groups.
    with django_assert_num_queries(5):
        results.survey_ranking(office, r.survey.pk)
    # The policy, the surveys, the two groups.
    with django_assert_num_queries(4):
        overview = results.region_overview(office)
    assert len(overview.surveys) == 3


# ------------------------------------------------------------------ the pages


def test_pages_show_the_index_and_hide_below_k(
    world: World, client_as: Callable[[str], Client]
) -> None:
    r = standard(world)
    office = client_as("region_admin")
    page = office.get(reverse("survey_results:region")).content.decode()
    assert r.survey.name in page
    page = office.get(reverse("survey_results:ranking", args=[r.survey.pk])).content.decode()
    assert "65.00%" in page and "100.00%" in page
    assert "ranking-chart" in page
    assert "有效答卷不足 10 份" in page
    unit = client_as("unit_admin")
    page = unit.get(reverse("survey_results:unit", args=[world.bureau.pk])).content.decode()
    assert "80.00%" in page and "49.02–94.33%" in page and "窗口服务很耐心" in page
    assert "排队太久" not in page and "13800000000" not in page
    town = client_as("region_admin").get(reverse("survey_results:unit", args=[world.town.pk]))
    text = town.content.decode()
    assert "有效答卷不足 10 份" in text and "不错" not in text and "100.00%" not in text
    # The unit's page links to its results.
    page = unit.get(reverse("org:unit", args=[world.bureau.pk])).content.decode()
    assert reverse("survey_results:unit", args=[world.bureau.pk]) in page


def test_pages_404_outside_scope(world: World, client_as: Callable[[str], Client]) -> None:
    r = standard(world)
    unit = client_as("unit_admin")
    assert unit.get(reverse("survey_results:unit", args=[world.town.pk])).status_code == 404
    assert unit.get(reverse("survey_results:ranking", args=[r.survey.pk])).status_code == 404
    other = client_as("other_admin")
    assert other.get(reverse("survey_results:unit", args=[world.bureau.pk])).status_code == 404
    assert other.get(reverse("survey_results:ranking", args=[r.survey.pk])).status_code == 404
    assert client_as("cadre").get(reverse("survey_results:region")).status_code == 404
    # A unit administrator's results home lists their units.
    page = unit.get(reverse("survey_results:region")).content.decode()
    assert reverse("survey_results:unit", args=[world.bureau.pk]) in page


# ------------------------------------------------------------------ feeds


def test_performance_month_takes_the_surveys_points(world: World) -> None:
    months = setup_months(world)
    standard(world)
    for unit in (world.bureau, world.town):
        PublicEvaluation.objects.create(
            month=months.month, unit=unit, points=Decimal(12), evidence="上月走访"
        )
    performance.month_compute(actor=world.users["region_admin"], month=months.month)
    rows = {p.unit_id: p for p in PublicEvaluation.objects.filter(month=months.month)}
    # 15 points × 65.00 / 100 = 9.75; the centre 15 × 100.00 / 100 = 15.00.
    assert rows[world.bureau.pk].points == Decimal("9.75")
    evidence = "民评调查《2026年10月民评》：10 份有效答卷，满意率 65.00%"
    assert rows[world.bureau.pk].evidence == evidence
    assert rows[world.centre.pk].points == Decimal("15.00")
    # The town has 9 responses: its typed row stays.
    assert (rows[world.town.pk].points, rows[world.town.pk].evidence) == (Decimal(12), "上月走访")


def test_an_open_survey_or_another_month_does_not_feed_the_month(world: World) -> None:
    months = setup_months(world)
    standard(world, state=SurveyState.OPEN)
    standard(world, name="九月民评", month=9)
    performance.month_compute(actor=world.users["region_admin"], month=months.month)
    assert not PublicEvaluation.objects.filter(month=months.month).exists()


def test_named_cadres_get_plus_and_minus_items_in_the_quarter(world: World) -> None:
    standard(world, feeds_cadres=True)
    items = results.person_adjustments(world.region.pk, 2026, 4)
    head, team = world.people["head"].pk, world.people["team"].pk
    assert [(i.points, i.index, i.n) for i in items[head]] == [
        (Decimal("1.00"), Decimal("100.00"), 10)
    ]
    assert [i.points for i in items[team]] == [Decimal("-1.00")]
    assert results.person_adjustments(world.region.pk, 2026, 3) == {}

    inputs, _members = quarter_inputs(world.region.pk, Period(2026, 4), dt.date(2026, 12, 31))
    scores = {s.person_id: s for s in engine.quarter_scores(inputs, engine.QuarterPolicy())}
    (adjustment,) = (
        s
        for s in scores[head].steps
        if s.code == engine.StepCode.ADJUSTMENT and s.figures["label"] == "民评（具名干部）"
    )
    assert adjustment.figures["points"] == "1.00"
    headline, _lines = explain({"code": s.code, "figures": s.figures} for s in scores[head].steps)
    assert "民评（具名干部） 1.00（《2026年10月民评》10 份答卷，满意率 100.00%）" in headline


def test_a_survey_that_does_not_feed_cadres_gives_no_items(world: World) -> None:
    standard(world)
    assert results.person_adjustments(world.region.pk, 2026, 4) == {}


@pytest.fixture(autouse=True)
def _today(settings: Settings) -> None:
    # The ledger's days (found on, deadline, "sent on") follow kaohe's today.
    settings.KAOHE_TODAY = dt.date(2026, 11, 20)


def _group(world: World, *units: Unit) -> SupervisionGroup:
    group = SupervisionGroup.objects.create(region=world.region, name="第一督导组")
    group.units.set(units)
    return group


def test_low_items_go_to_the_ledger_once(world: World) -> None:
    group = _group(world, world.bureau, world.centre, world.town)
    r = standard(world, group=group)
    office = world.users["region_admin"]
    assert survey_send_low_items(actor=office, survey=r.survey) == 1
    (finding,) = Finding.objects.filter(group=group)
    assert finding.unit_id == world.bureau.pk
    assert finding.description == "民评《2026年10月民评》中「满意度」满意率 50.00%，低于 60%"
    assert (finding.category, finding.severity) == ("other", "general")
    today = dt.date(2026, 11, 20)
    assert finding.found_on == today
    assert finding.deadline == deadline_for(supervision_policy(world.region.pk), today, "general")
    r.survey.refresh_from_db()
    assert r.survey.low_items_sent_on == today
    assert AuditEvent.objects.filter(action="surveys.findings.send").count() == 1
    with refused(SurveyErrorCode.LOW_ITEMS_SENT):
        survey_send_low_items(actor=office, survey=r.survey)
    assert Finding.objects.count() == 1


def test_low_items_are_refused_when_not_closed_without_group_or_uncovered(world: World) -> None:
    office = world.users["region_admin"]
    covering = _group(world, world.centre)
    r = standard(world, group=covering, state=SurveyState.OPEN)
    with refused(SurveyErrorCode.NOT_CLOSED):
        survey_send_low_items(actor=office, survey=r.survey)
    Survey.objects.filter(pk=r.survey.pk).update(state=SurveyState.CLOSED)
    r.survey.refresh_from_db()
    with refused(SupervisionErrorCode.UNIT_NOT_COVERED):
        survey_send_low_items(actor=office, survey=r.survey)
    assert not Finding.objects.exists()
    r.survey.refresh_from_db()
    assert r.survey.low_items_sent_on is None
    Survey.objects.filter(pk=r.survey.pk).update(group=None)
    r.survey.refresh_from_db()
    with refused(SurveyErrorCode.NO_GROUP):
        survey_send_low_items(actor=office, survey=r.survey)


def test_only_the_regions_office_sends(world: World) -> None:
    from kaohe.accounts.errors import AccountErrorCode

    r = standard(world, group=_group(world, world.bureau))
    with refused(AccountErrorCode.NOT_REGION_OFFICE):
        survey_send_low_items(actor=world.users["unit_admin"], survey=r.survey)


def test_the_button_sends_and_the_page_says_so(
    world: World, client_as: Callable[[str], Client]
) -> None:
    r = standard(world, group=_group(world, world.bureau, world.centre, world.town))
    office = client_as("region_admin")
    page = office.get(reverse("survey_results:ranking", args=[r.survey.pk])).content.decode()
    send = reverse("survey_results:send_low_items", args=[r.survey.pk])
    assert send in page
    after = office.post(send, follow=True).content.decode()
    assert Finding.objects.count() == 1
    assert send not in after and "2026-11-20" in after
    assert client_as("unit_admin").post(send).status_code == 404
