"""The proposal page offers exactly the grades quarter_propose accepts, row by row, and
its counter agrees with the refusals (one rule: policies.allowed_grades)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from kaohe.core.errors import ApplicationError
from kaohe.scoring import policies, services
from kaohe.scoring.engine import QUARTER_ORDER
from kaohe.scoring.errors import ScoringErrorCode
from kaohe.scoring.models import QuarterResult, QuarterRun
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db

GRADES = [g.value for g in QUARTER_ORDER]
REASON = "经单位集体研究决定"


class Options(HTMLParser):
    """Each select's offered values, by result id."""

    def __init__(self) -> None:
        super().__init__()
        self.offered: dict[int, list[str]] = {}
        self._select: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "select" and a.get("name", "").startswith("grade_"):
            self._select = int(a["name"].removeprefix("grade_"))
            self.offered[self._select] = []
        elif tag == "option" and self._select is not None:
            self.offered[self._select].append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


class Rollback(Exception):
    pass


def offered(client: Client, run: QuarterRun, unit_id: int) -> tuple[dict[int, list[str]], str]:
    page = client.get(reverse("scoring:proposal", args=[run.pk, unit_id])).content.decode()
    parser = Options()
    parser.feed(page)
    return parser.offered, page


def accepted(big: World, run: QuarterRun, row: QuarterResult, grade: str) -> bool:
    """Would quarter_propose save this one change? Tried, then rolled back."""
    try:
        with transaction.atomic():
            services.quarter_propose(
                actor=big.users["unit_head"],
                run=run,
                changes={row.pk: (grade, REASON)},
                shown={row.pk: (row.grade, row.change_reason)},
            )
            raise Rollback
    except Rollback:
        return True
    except ApplicationError:
        return False


def assert_page_and_service_agree(big: World, run: QuarterRun, client: Client) -> None:
    options, _page = offered(client, run, big.bureau.pk)
    rows = list(run.results.filter(unit=big.bureau).exclude(computed_grade=""))
    assert rows and set(options) == {r.pk for r in rows}
    for row in rows:
        accepts = [g for g in GRADES if accepted(big, run, row, g)]
        assert options[row.pk] == accepts, row.person.name


def test_the_page_offers_exactly_what_the_service_accepts_full_and_with_a_place(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    head = client_as("unit_head")
    # By rank the five highest of the merged pool of 14 are 好: the pool is full.
    assert graded.results.filter(grade="good").count() == 5
    options, page = offered(head, graded, big.bureau.pk)
    assert "本季度可评“好”5 人，剩余 0 人" in page and "“好”名额已用：5 / 5" in page
    sixth = graded.results.get(person__name="褚磊")  # 90.5: 好 by any band, but no place
    assert options[sixth.pk] == ["fairly_good", "average", "poor"]
    with refused(ScoringErrorCode.GRADES_INVALID):
        services.quarter_propose(
            actor=big.users["unit_head"],
            run=graded,
            changes={sixth.pk: ("good", REASON)},
            shown={sixth.pk: (sixth.grade, sixth.change_reason)},
        )
    assert_page_and_service_agree(big, graded, head)

    # Lowering a 好 frees a place: now 好 is offered, and accepted, for the others.
    top = graded.results.get(person__name="周敏")
    services.quarter_propose(
        actor=big.users["unit_head"],
        run=graded,
        changes={top.pk: ("fairly_good", REASON)},
        shown={top.pk: (top.grade, top.change_reason)},
    )
    options, page = offered(head, graded, big.bureau.pk)
    assert "剩余 1 人" in page and options[sixth.pk] == GRADES
    assert_page_and_service_agree(big, graded, head)


def test_a_swap_in_one_save_is_accepted_and_an_overrun_is_refused(
    big: World, graded: QuarterRun
) -> None:
    rows = {r.person.name: r for r in graded.results.select_related("person")}
    top, sixth, seventh = rows["周敏"], rows["褚磊"], rows["王建国"]
    shown = {r.pk: (r.grade, r.change_reason) for r in (top, sixth, seventh)}
    # Each raise alone fits the one place freed; together they overrun it: the backstop.
    with refused(ScoringErrorCode.POOL_OVER_QUOTA):
        services.quarter_propose(
            actor=big.users["unit_head"],
            run=graded,
            changes={top.pk: ("fairly_good", REASON), sixth.pk: ("good", REASON)}
            | {seventh.pk: ("good", REASON)},
            shown=shown,
        )
    assert graded.results.filter(grade="good").count() == 5  # nothing saved
    services.quarter_propose(
        actor=big.users["unit_head"],
        run=graded,
        changes={top.pk: ("fairly_good", REASON), sixth.pk: ("good", REASON)},
        shown=shown,
    )
    assert {r.person.name for r in graded.results.filter(grade="good")} == {
        "吴刚",
        "郑爽",
        "冯涛",
        "陈晨",
        "褚磊",
    }


def test_a_vetoed_row_is_not_offered_good_and_a_low_score_not_above_its_floor() -> None:
    vetoed = QuarterResult(
        band="good",
        computed_grade="fairly_good",
        grade="fairly_good",
        score=Decimal(95),
        steps=[{"code": "veto", "figures": {"reasons": "否决"}}],
    )
    assert policies.allowed_grades(vetoed, places_left=3) == ["fairly_good", "average", "poor"]
    low = QuarterResult(band="average", computed_grade="average", grade="average", steps=[])
    assert policies.allowed_grades(low, places_left=3) == ["average", "poor"]
    holder = QuarterResult(band="good", computed_grade="good", grade="good", steps=[])
    assert policies.allowed_grades(holder, places_left=0) == GRADES
    probation = QuarterResult(band="", computed_grade="", grade="", steps=[])
    assert policies.allowed_grades(probation, places_left=3) == []


def test_the_page_reads_a_fixed_number_of_queries(
    big: World,
    graded: QuarterRun,
    client_as: Callable[[str], Client],
    django_assert_max_num_queries: Callable[[int], object],
) -> None:
    head = client_as("unit_head")
    url = reverse("scoring:proposal", args=[graded.pk, big.bureau.pk])
    head.get(url)
    with django_assert_max_num_queries(12):  # type: ignore[attr-defined]
        assert head.get(url).status_code == 200


def test_a_warm_page_reads_its_results_and_counters_from_the_cache_and_a_post_does_not(
    big: World,
    graded: QuarterRun,
    client_as: Callable[[str], Client],
    django_assert_num_queries: Callable[[int], object],
) -> None:
    """Served warm: the session, the user and the unit's scope (the results and the
    pools' statistics are cached, stamped with the region's results token). A POST
    reads both from the database, under the service's locks."""
    from kaohe.core import cache as region_cache

    region_cache.reset()
    head = client_as("unit_head")
    url = reverse("scoring:proposal", args=[graded.pk, big.bureau.pk])
    head.get(url)
    with django_assert_num_queries(3):  # type: ignore[attr-defined]
        assert head.get(url).status_code == 200
    top = graded.results.get(person__name="周敏")
    # The page as another process cached it, then a write elsewhere: the next read
    # shows the write (the token is replaced by runs_forget, in quarter_propose).
    services.quarter_propose(
        actor=big.users["unit_head"],
        run=graded,
        changes={top.pk: ("fairly_good", REASON)},
        shown={top.pk: (top.grade, top.change_reason)},
    )
    _options, page = offered(head, graded, big.bureau.pk)
    assert "剩余 1 人" in page
