"""The feed pages by keyset: every readable log once, in order, whichever way it is
walked, and exactly the logs `readable_logs_filter` allows (the one rule of R2.2)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaohe.accounts.models import Role, User
from kaohe.accounts.services import role_grant
from kaohe.org import services as org_services
from kaohe.org.models import Unit, UnitKind, UnitType
from kaohe.testing import World
from kaohe.worklogs import selectors
from kaohe.worklogs.models import LogComment, LogRead, Timeliness, WorkLog
from kaohe.worklogs.selectors import FeedCursor, FeedFilter, readable_logs_filter

pytestmark = pytest.mark.django_db
D = dt.date
PERSONAS = [
    "region_admin",
    "unit_admin",
    "unit_head",
    "team_member",
    "cadre",
    "cadre_other",
    "supervisor",
    "other_admin",
    "bureau_only",
]


def log(world: World, key: str, unit: Unit, day: D, text: str = "走访企业。") -> WorkLog:
    person = world.people[key]
    return WorkLog.objects.create(
        region=unit.region,
        person=person,
        unit=unit,
        day=day,
        content=f"{text}{key}{day.day}",
        timeliness=Timeliness.ON_TIME,
    )


@pytest.fixture
def history(world: World) -> World:
    """Logs of everyone over March, several a day (ties on the day), plus the logs a
    cadre wrote in the town before joining the bureau, and a head whose grant is
    the bureau alone (no subunits)."""
    for day in range(2, 21):
        for key in ("cadre", "team", "head", "centre_cadre", "town_cadre"):
            unit = world.people[key].memberships.get().unit
            if (day + len(key)) % 4:
                log(world, key, unit, D(2026, 3, day))
    log(world, "foreign", world.foreign_unit, D(2026, 3, 5))
    for day in (23, 24, 25):
        # Written in the town: the town reads it, the bureau's leaders do not.
        log(world, "cadre", world.town, D(2026, 2, day), "在城关镇时的日志")
    user = User.objects.create_user(username="bureau_only", region=world.region)
    world.users["bureau_only"] = user
    role_grant(
        actor=None, user=user, role=Role.UNIT_HEAD, unit=world.bureau, include_subunits=False
    )
    return world


def expected(user: User, flt: FeedFilter) -> list[int]:
    qs = WorkLog.objects.filter(readable_logs_filter(user))
    if flt.unit_id:
        qs = qs.filter(unit_id=flt.unit_id)
    if flt.person_id:
        qs = qs.filter(person_id=flt.person_id)
    if flt.start:
        qs = qs.filter(day__gte=flt.start)
    if flt.end:
        qs = qs.filter(day__lte=flt.end)
    if flt.text:
        qs = qs.filter(content__icontains=flt.text)
    return list(qs.order_by("-day", "-id").values_list("pk", flat=True))


def walk(user: User, flt: FeedFilter, size: int) -> tuple[list[int], list[int]]:
    """Every page older and older from the newest, then newer and newer back from
    the oldest page; the ids in feed order each way."""
    pages = [selectors.log_feed(user, flt, size=size)]
    while pages[-1].older is not None:
        pages.append(selectors.log_feed(user, flt, before=pages[-1].older, size=size))
    down = [item.log_id for page in pages for item in page.items]
    assert all(len(page.items) == size for page in pages[:-1])
    back = [pages[-1]]
    while back[-1].newer is not None:
        back.append(selectors.log_feed(user, flt, after=back[-1].newer, size=size))
    up = [item.log_id for page in reversed(back) for item in page.items]
    return down, up


def filters(world: World) -> list[FeedFilter]:
    return [
        FeedFilter(),
        FeedFilter(unit_id=world.bureau.pk),
        FeedFilter(unit_id=world.town.pk),
        FeedFilter(unit_id=world.centre.pk, start=D(2026, 3, 5)),
        FeedFilter(person_id=world.people["cadre"].pk),
        FeedFilter(person_id=world.people["town_cadre"].pk),
        FeedFilter(start=D(2026, 3, 4), end=D(2026, 3, 11)),
        FeedFilter(text="城关镇"),
    ]


@pytest.mark.parametrize("dense", [False, True], ids=["a-part-per-unit", "region-walk"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_paging_returns_every_readable_log_once_and_in_order(
    history: World, persona: str, dense: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if dense:
        # Any readable unit at all: the region's logs walked by date, filtered.
        monkeypatch.setattr(selectors, "FEED_UNIT_PARTS", 0)
    user = User.objects.get(username=persona)
    for flt in filters(history):
        want = expected(user, flt)
        for size in (3, 1000):  # ties on a day split across pages; one page
            down, up = walk(User.objects.get(pk=user.pk), flt, size)
            assert down == want, (persona, flt, size)
            assert up == want, (persona, flt, size)


def test_the_readable_set_is_the_rule_of_r2_2(history: World) -> None:
    """Spot checks of `expected` itself, so the test above compares with the rule."""
    moved = set(WorkLog.objects.filter(unit=history.town, person=history.people["cadre"]))
    by_persona = {
        persona: set(
            WorkLog.objects.filter(
                pk__in=expected(User.objects.get(username=persona), FeedFilter())
            )
        )
        for persona in PERSONAS
    }
    assert moved <= by_persona["cadre"]  # the author always reads their logs
    assert moved <= by_persona["cadre_other"] and moved <= by_persona["supervisor"]
    assert not moved & by_persona["unit_head"]  # the bureau's leaders do not
    centre = set(WorkLog.objects.filter(unit=history.centre))
    assert centre <= by_persona["unit_head"] and not centre & by_persona["bureau_only"]
    assert not by_persona["region_admin"] and not by_persona["other_admin"]


def test_a_page_costs_the_same_queries_whatever_the_units_and_the_place(
    history: World,
) -> None:
    user = User.objects.get(username="unit_head")

    def count(**kw: FeedCursor) -> int:
        with CaptureQueriesContext(connection) as captured:
            page = selectors.log_feed(User.objects.get(pk=user.pk), FeedFilter(), size=5, **kw)
        assert page.items
        return len(captured)

    first = count()
    for i in range(8):
        unit = org_services.unit_create(
            actor=None,
            region=history.region,
            parent=history.centre,
            name=f"科室{i}",
            code=f"K{i}",
            unit_type=UnitType.SUBORDINATE,
            unit_kind=UnitKind.ADMINISTRATIVE,
        )
        entry = log(history, "centre_cadre", unit, D(2026, 3, 21 + i))
        LogRead.objects.create(log=entry, reader=history.users["team_member"])
        LogComment.objects.create(log=entry, author=user, content="好")
    assert count() == first
    middle = selectors.log_feed(user, FeedFilter(), size=5).older
    assert middle is not None
    assert count(before=middle) == first == count(after=middle)


def test_the_feed_page_links_older_and_newer_pages(
    history: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_head")
    page = client.get(reverse("worklogs:feed"), {"unit": history.bureau.pk}).content.decode()
    older = re.search(r'href="\?unit=(\d+)&amp;before=([0-9-]+\.[0-9]+)"', page)
    assert older is not None and older[1] == str(history.bureau.pk)
    assert "after=" not in page
    second = client.get(
        reverse("worklogs:feed"), {"unit": history.bureau.pk, "before": older[2]}
    ).content.decode()
    assert "after=" in second and f'href="?unit={history.bureau.pk}"' in second  # 最新
    shown = set(re.findall(r'id="log-(\d+)"', page)) | set(re.findall(r'id="log-(\d+)"', second))
    assert len(shown) == 40
    # A forged or stale place is no error: the newest page.
    for token in ("x", "2026-13-01.5", "2026-03-01.", "2026-03-01.99999999999999999999"):
        response = client.get(reverse("worklogs:feed"), {"before": token, "after": token})
        assert response.status_code == 200 and 'id="log-' in response.content.decode()
