"""Quarterly results end to end: inputs, grades under quota, proposals, publication."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from kaohe.accounts.errors import AccountErrorCode
from kaohe.accounts.models import User
from kaohe.core.models import AuditEvent, Notification
from kaohe.reviews import policies as review_policies
from kaohe.reviews import services as review_services
from kaohe.reviews.models import ReviewRound, RoundUnit
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.scoring import guards, selectors, services
from kaohe.scoring.errors import ScoringErrorCode
from kaohe.scoring.explain import explain
from kaohe.scoring.models import QuarterResult, QuarterRun, RunState
from kaohe.scoring.tests.fixtures import declare_entries
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 4, 30)


def vote(world: World, round_: ReviewRound, spread: dict[str, int]) -> None:
    """Every member of the bureau rates; target `name` gets `spread[name]` from everyone."""
    ru = bureau_unit(round_, world)
    # Ballots are taken on the round's voting days only.
    with override_settings(KAOHE_TODAY=round_.starts_on):
        _ballots(world, ru, spread)
    review_services.round_close(actor=world.users["region_admin"], round_=round_)


def _ballots(world: World, ru: RoundUnit, spread: dict[str, int]) -> None:
    for key in [
        "B00",
        "B01",
        "B02",
        "B03",
        "B04",
        "B05",
        "B06",
        "B07",
        "B08",
        "unit_head",
        "team_member",
        "cadre",
    ]:
        user = world.users[key]
        sheet = review_policies.ballot_sheet(rater=user.person, round_unit=ru)  # type: ignore[arg-type]
        assert sheet is not None
        values = {str(p.pk): spread.get(p.name, 80) for p in sheet.targets}
        # Keep within the 30% high-score limit by lowering the extra high scores of this ballot.
        high = [k for k, v in values.items() if v >= 90]
        for k in high[sheet.high_limit :]:
            values[k] = 89
        if len(set(values.values())) == 1:
            values[next(iter(values))] = 79
        review_services.ballot_submit(actor=user, round_unit=ru, values=values)


@pytest.fixture
def computed(big: World, q1: ReviewRound) -> QuarterRun:
    vote(big, q1, {"周敏": 95, "吴刚": 94, "郑爽": 93, "冯涛": 92, "陈晨": 91})
    declare_entries(big, 2026, 1)
    return services.quarter_compute(
        actor=big.users["region_admin"], region=big.region, year=2026, quarter=1, today=TODAY
    )


def shown_of(run: QuarterRun) -> dict[int, tuple[str, str]]:
    """Every row's grade and reason as a freshly opened proposal page shows them."""
    return {r.pk: (r.grade, r.change_reason) for r in run.results.all()}


def result(run: QuarterRun, name: str) -> QuarterResult:
    return run.results.get(person__name=name)


def test_scores_include_the_rating_and_missing_log_deductions(
    big: World, computed: QuarterRun
) -> None:
    r = result(computed, "周敏")
    headline, lines = explain(r.steps)
    assert (
        headline.startswith("本季度得分") and "评价得分" in headline and "缺写工作日志" in headline
    )
    # No scheme, so the rating carries the whole weight; no logs or summary were written in Q1.
    from kaohe.core.calendar import WorkCalendar
    from kaohe.reviews.models import RoundResult

    rating = RoundResult.objects.get(target=r.person).score
    assert rating is not None
    days = WorkCalendar.build(dt.date(2026, 1, 1), dt.date(2026, 3, 31)).count(
        dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    )
    assert r.score == rating - Decimal("0.5") * days - 2
    assert f"缺写工作日志 -{Decimal('0.5') * days}" in headline
    assert any("考核池" in line for line in lines)


@override_settings(KAOHE_TODAY=TODAY)
def test_the_good_quota_and_the_unit_heads_proposal(
    big: World,
    q1: ReviewRound,
    client_as: Callable[[str], Client],
) -> None:
    from kaohe.worklogs.models import WorklogPolicy

    WorklogPolicy.objects.update_or_create(
        region=big.region,
        defaults={"deduction_per_missing_log": 0, "deduction_per_missing_quarterly": 0},
    )
    vote(big, q1, {"周敏": 95, "吴刚": 94, "郑爽": 93, "冯涛": 92, "陈晨": 91, "褚磊": 90})
    declare_entries(big, 2026, 1)
    run = services.quarter_compute(
        actor=big.users["region_admin"], region=big.region, year=2026, quarter=1, today=TODAY
    )
    # The bureau and the centre share a merged pool: 12 + 2 graded → 5 places for 好.
    goods = run.results.filter(grade="good").count()
    pool_id = result(run, "周敏").pool_id
    counter = selectors.pool_counters(run, [pool_id])[pool_id]
    assert (counter.graded, counter.limit, counter.used) == (14, 5, goods) and goods <= 5
    assert selectors.pool_counters(run)[pool_id] == counter
    page = (
        client_as("unit_head")
        .get(reverse("scoring:proposal", args=[run.pk, big.bureau.pk]))
        .content.decode()
    )
    assert f"本季度可评“好”5 人，剩余 {5 - goods} 人" in page
    # Downgrading needs a reason; the freed place can then go to someone in the 好 band.
    top = result(run, "周敏")
    with refused(ScoringErrorCode.GRADES_INVALID):
        services.quarter_propose(
            actor=big.users["unit_head"],
            run=run,
            changes={top.pk: ("fairly_good", "")},
            shown=shown_of(run),
        )
    services.quarter_propose(
        actor=big.users["unit_head"],
        run=run,
        changes={top.pk: ("fairly_good", "年内受到诫勉")},
        shown=shown_of(run),
    )
    assert result(run, "周敏").grade == "fairly_good"
    low = run.results.filter(score__lt=80).exclude(computed_grade="").first()
    assert low is not None
    with refused(ScoringErrorCode.GRADES_INVALID):
        services.quarter_propose(
            actor=big.users["unit_head"],
            run=run,
            changes={low.pk: ("good", "表现突出")},
            shown=shown_of(run),
        )
    with refused(ScoringErrorCode.NOT_OWN_UNIT):
        services.quarter_propose(
            actor=big.users["cadre_other"],
            run=run,
            changes={top.pk: ("good", "xxxx")},
            shown=shown_of(run),
        )


@override_settings(KAOHE_TODAY=TODAY)
def test_confirm_publish_explain_receipt_and_reopen(
    big: World,
    computed: QuarterRun,
    client_as: Callable[[str], Client],
) -> None:
    office = big.users["region_admin"]
    with refused(AccountErrorCode.NOT_REGION_OFFICE):
        services.quarter_confirm(actor=big.users["unit_head"], run=computed)
    QuarterResult.objects.filter(run=computed, tie=True).update(change_reason="经研究确定")
    services.quarter_confirm(actor=office, run=computed)
    computed.refresh_from_db()
    services.quarter_publish(
        actor=office, run=computed, confirmation=guards.publish_token(computed)
    )
    assert Notification.objects.filter(user=big.users["B00"]).exists()
    mine = client_as("B00")
    listing = mine.get(reverse("scoring:mine")).content.decode()
    r = result(computed, "周敏")
    assert f"/scoring/mine/quarter/{r.pk}/" in listing
    page = mine.get(reverse("scoring:explanation", args=["quarter", r.pk])).content.decode()
    assert "本季度得分" in page and "评价得分" in page
    assert (
        client_as("B01").get(reverse("scoring:explanation", args=["quarter", r.pk])).status_code
        == 404
    )
    mine.post(reverse("scoring:receipt", args=["quarter", r.pk]))
    assert QuarterResult.objects.get(pk=r.pk).receipt_at is not None
    api = mine.get("/api/my/results").json()
    assert api[0]["explanation"].startswith("本季度得分") and api[0]["receipt_confirmed"] is True
    assert client_as("public").get("/api/my/results").status_code == 401
    # A published quarter changes only by reopening with a reason; the old run is kept.
    with refused(ScoringErrorCode.QUARTER_NOT_DRAFT):
        services.quarter_compute(actor=office, region=big.region, year=2026, quarter=1, today=TODAY)
    assert gc.isenabled()  # paused during the compute, back on after a refusal too
    new = services.quarter_reopen(actor=office, run=computed, reason="补录指标结果", today=TODAY)
    computed.refresh_from_db()
    assert computed.state == RunState.SUPERSEDED and computed.results.count() == new.results.count()
    assert new.number == 2 and new.reopen_reason == "补录指标结果"
    assert AuditEvent.objects.filter(action="scoring.quarter.reopen").exists()


def test_recomputing_gives_identical_results(big: World, computed: QuarterRun) -> None:
    before = list(
        computed.results.order_by("person_id").values_list("person_id", "score", "grade", "steps")
    )
    services.quarter_compute(
        actor=big.users["region_admin"], region=big.region, year=2026, quarter=1, today=TODAY
    )
    assert gc.isenabled()
    after = list(
        QuarterResult.objects.filter(run=computed)
        .order_by("person_id")
        .values_list("person_id", "score", "grade", "steps")
    )
    assert before == after


def test_ranks_in_unit_are_competition_ranks_by_score(computed: QuarterRun) -> None:
    rows = list(computed.results.values_list("unit_id", "score", "rank_in_unit"))
    assert {rank for _u, _s, rank in rows} >= {1, 2}
    for unit_id, score, rank in rows:
        assert rank == 1 + sum(1 for u, s, _r in rows if u == unit_id and s > score)


def test_a_quarter_outside_1_to_4_is_refused(world: World) -> None:
    for quarter in (0, 5):
        with refused(ScoringErrorCode.BAD_PERIOD):
            services.quarter_compute(
                actor=world.users["region_admin"],
                region=world.region,
                year=2026,
                quarter=quarter,
                today=TODAY,
            )
    assert not QuarterRun.objects.exists()


@override_settings(KAOHE_TODAY=TODAY)
def test_the_quota_costs_the_same_queries_however_many_pools(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    """The proposal page and a proposal read every pool's quota in one GROUP BY."""
    page = reverse("scoring:proposal", args=[graded.pk, big.bureau.pk])
    head = client_as("unit_head")

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert head.get(page).status_code == 200
        return len(captured)

    def propose_queries(rows: list[QuarterResult]) -> int:
        actor = User.objects.get(pk=big.users["unit_head"].pk)  # no grants cached
        shown = shown_of(graded)
        with CaptureQueriesContext(connection) as captured:
            changed = services.quarter_propose(
                actor=actor,
                run=graded,
                changes={r.pk: ("poor", "年内受到诫勉") for r in rows},
                shown=shown,
            )
        assert changed == len(rows)
        return len(captured)

    # Results not holding 好, so that none of the new pools below is over its quota.
    rows = list(
        graded.results.filter(unit=big.bureau, grade="fairly_good").order_by("person_id")[:6]
    )
    assert len(rows) == 6
    head.get(page)  # the region's scoring policy cached (policies.scoring_policy)
    one_pool = page_queries()
    in_one_pool = propose_queries(rows[:3])
    # Three more pools for three of the bureau's results: the page counts four.
    for offset, r in enumerate(rows[3:], start=1):
        QuarterResult.objects.filter(pk=r.pk).update(pool_id=r.pool_id + 1000 * offset)
    assert page_queries() == one_pool
    assert 'id="quota-counter-4"' in head.get(page).content.decode()
    assert propose_queries(rows[3:]) == in_one_pool


@override_settings(KAOHE_TODAY=TODAY)
def test_a_unit_in_no_pool_is_a_pool_of_its_own(big: World, computed: QuarterRun) -> None:
    """Without quota pools for the year the engine gives each unit its own quota; the
    counters and the proposal check count each unit apart too, not all such units as
    one pool 0."""
    from kaohe.org.models import QuotaPool

    QuotaPool.objects.filter(region=big.region).delete()
    run = services.quarter_compute(
        actor=big.users["region_admin"], region=big.region, year=2026, quarter=1, today=TODAY
    )
    assert set(run.results.values_list("pool_id", flat=True)) == {0}
    counters = selectors.pool_counters(run)
    by_unit = {
        -u: n
        for u, n in run.results.exclude(computed_grade="")
        .values_list("unit")
        .annotate(n=Count("id"))
    }
    assert {k: c.graded for k, c in counters.items()} == by_unit
    bureau = counters[-big.bureau.pk]
    assert bureau.used == run.results.filter(unit=big.bureau, grade="good").count()
    assert {r.name for r in selectors.quarter_pools(run)} >= {big.bureau.name, big.centre.name}


def test_reading_the_pages_writes_no_policy_row(
    big: World, computed: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    """The proposal page, the run page and the overview count the pools' places from
    the region's policy; a region without its policy row reads the defaults and the GET
    writes nothing (the row is the computing service's to create)."""
    from kaohe.scoring.models import ScoringPolicy

    assert ScoringPolicy.objects.filter(region=big.region).exists()  # created by the run
    ScoringPolicy.objects.filter(region=big.region).delete()  # the signal forgets the cache
    pages = [
        ("unit_head", reverse("scoring:proposal", args=[computed.pk, big.bureau.pk])),
        ("region_admin", reverse("scoring:quarter", args=[computed.pk])),
        ("region_admin", reverse("scoring:overview")),
    ]
    for persona, url in pages:
        client = client_as(persona)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        writes = [
            q["sql"]
            for q in captured.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        ]
        assert not writes, (url, writes)
    assert not ScoringPolicy.objects.filter(region=big.region).exists()
    # The places for 好 shown are the defaults' all the same.
    page = client_as("unit_head").get(pages[0][1]).content.decode()
    assert "本季度可评“好”" in page
