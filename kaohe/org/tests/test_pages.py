"""Unit and person pages: constant query counts whatever the unit's size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaohe.org.models import LeadershipRole, Membership, MembershipStatus, Person
from kaohe.testing import START, World

pytestmark = pytest.mark.django_db


def add_staff(world: World, count: int, first: int = 0) -> None:
    people = Person.objects.bulk_create(
        Person(region=world.region, staff_no=f"X{i:05d}", name=f"干部{i}")
        for i in range(first, first + count)
    )
    Membership.objects.bulk_create(
        Membership(
            region=world.region,
            person=p,
            unit=world.bureau,
            rank_level=world.rank("一级科员"),
            personnel_category=world.category(),
            leadership_role=LeadershipRole.STAFF,
            status=MembershipStatus.ON_DUTY,
            valid_from=START,
        )
        for p in people
    )


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_page_query_counts_do_not_grow_with_the_unit(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    unit_url = reverse("org:unit", args=[world.bureau.pk]) + "?date=2026-06-30"
    person_url = reverse("org:person", args=[world.people["cadre"].pk])
    urls = (unit_url, person_url, reverse("org:unit_tree"), reverse("home"))
    small = [count_queries(client, url) for url in urls]
    add_staff(world, 250)
    large = [count_queries(client, url) for url in urls]
    assert large == small


def test_the_unit_page_pages_its_members_and_keeps_leaders_on_top(
    world: World, client_as: Callable[[str], Client]
) -> None:
    add_staff(world, 150)
    client = client_as("unit_head")
    url = reverse("org:unit", args=[world.bureau.pk])
    first = client.get(url, {"date": "2026-06-30"}).content.decode()
    second = client.get(url, {"date": "2026-06-30", "page": "2"}).content.decode()
    assert "在册 153 人" in first and "在册 153 人" in second
    assert "第 1 页，共 2 页" in first and "第 2 页，共 2 页" in second
    # 100 rows a page: the three original members, then the 150 added 一级科员 by staff number.
    assert first.count("<td>一级科员</td>") == 97 and second.count("<td>一级科员</td>") == 53
    assert "王建国" in first and "王建国" in second  # the main leader, in the leaders line


def test_a_page_past_the_last_shows_the_last_and_a_later_page_keeps_its_queries(
    world: World, client_as: Callable[[str], Client]
) -> None:
    add_staff(world, 150)
    client = client_as("unit_head")
    url = reverse("org:unit", args=[world.bureau.pk])
    past = client.get(url, {"date": "2026-06-30", "page": "9"}).content.decode()
    assert "第 2 页，共 2 页" in past and past.count("<td>一级科员</td>") == 53
    # The second page reads its leaders apart: one query more than the first, both fixed.
    first = count_queries(client, f"{url}?date=2026-06-30")
    second = count_queries(client, f"{url}?date=2026-06-30&page=2")
    add_staff(world, 150, first=150)
    assert count_queries(client, f"{url}?date=2026-06-30&page=2") == second == first + 1


def test_the_unit_page_names_the_other_units_of_its_pool(
    world: World, client_as: Callable[[str], Client]
) -> None:
    html = client_as("unit_head").get(reverse("org:unit", args=[world.centre.pk])).content
    pool = html.decode().split("同池单位", 1)[1].split("</span>", 1)[0]
    assert pool == ": 区人力资源和社会保障局"


def test_members_on_a_date_before_anyone_joined_is_empty(
    world: World, client_as: Callable[[str], Client]
) -> None:
    page = client_as("unit_head").get(
        reverse("org:unit", args=[world.bureau.pk]),
        {"date": (START - dt.timedelta(days=1)).isoformat()},
    )
    assert "该日本单位无在册人员" in page.content.decode()


def test_a_bad_date_says_how_to_write_it(world: World, client_as: Callable[[str], Client]) -> None:
    page = client_as("unit_head").get(
        reverse("org:unit", args=[world.bureau.pk]), {"date": "6月30日"}
    )
    assert page.status_code == 200 and "日期格式应为" in page.content.decode()


def test_the_unit_head_sees_what_unit_get_sees_for_every_user_and_unit(world: World) -> None:
    """The unit page checks the scope on the row it read; for every persona and every
    unit of both regions it must answer as the scoped queryset does."""
    from django.http import Http404

    from kaohe.org import selectors
    from kaohe.org.models import Unit

    units = list(Unit.objects.all())
    for user in world.users.values():
        for unit in units:
            try:
                selectors.unit_get(user, unit.pk)
            except Http404:
                seen = False
            else:
                seen = True
            try:
                head = selectors.unit_head(user, unit.pk, 2026)
            except Http404:
                assert not seen, (user.username, unit.name)
            else:
                assert seen, (user.username, unit.name)
                assert (head.pk, head.name, head.code, head.path) == (
                    unit.pk,
                    unit.name,
                    unit.code,
                    unit.path,
                )
    admin = world.users["region_admin"]
    missing = max(u.pk for u in units) + 1
    with pytest.raises(Http404):
        selectors.unit_head(admin, missing, 2026)


def test_the_unit_page_shows_the_units_facts(
    world: World, client_as: Callable[[str], Client]
) -> None:
    from kaohe.org.models import PerformanceCategory, PilotUnitYear, Unit

    category = PerformanceCategory.objects.create(region=world.region, name="综合类")
    Unit.objects.filter(pk=world.centre.pk).update(performance_category=category)
    PilotUnitYear.objects.create(unit=world.centre, year=2026)
    client = client_as("region_admin")
    page = client.get(reverse("org:unit", args=[world.centre.pk])).content.decode()
    facts = page.split('<dl class="facts">', 1)[1].split("</dl>", 1)[0]
    centre = Unit.objects.get(pk=world.centre.pk)
    assert f"<dd>{centre.code}</dd>" in facts
    assert f"<dd>{world.bureau.name}</dd>" in facts  # the supervising unit
    assert f"<dd>{centre.get_unit_type_display()}</dd>" in facts
    assert f"<dd>{centre.get_unit_kind_display()}</dd>" in facts
    assert "<dd>综合类</dd>" in facts
    assert "<dd>是（2026 年）</dd>" in facts  # a pilot unit in 2026
    # The bureau: no supervising unit, no category, not a pilot, pooled with the centre.
    page = client.get(reverse("org:unit", args=[world.bureau.pk])).content.decode()
    facts = page.split('<dl class="facts">', 1)[1].split("</dl>", 1)[0]
    assert facts.count("<dd>—</dd>") == 2 and "<dd>否</dd>" in facts
    assert world.centre.name in facts
    # No pool in a year without pools.
    town = client.get(reverse("org:unit", args=[world.town.pk]), {"date": "2024-06-30"})
    assert "尚未分配" in town.content.decode()
