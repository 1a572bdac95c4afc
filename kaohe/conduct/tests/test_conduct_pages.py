"""The conduct pages and services: scope (404 outside it, another region), Chinese
refusals, audit rows, query counts that do not grow with the list, and the bulk
selectors the archive and the forms read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaohe.conduct import selectors, services
from kaohe.conduct.errors import ConductErrorCode
from kaohe.conduct.models import AbsenceRecord, DisciplineRecord
from kaohe.core.audit_actions import AuditAction
from kaohe.core.models import AuditEvent
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db
LIST = reverse("conduct:list")


def record(
    world: World, who: str, kind: str = "warning", start: dt.date = dt.date(2026, 3, 2)
) -> DisciplineRecord:
    person = world.people[who]
    return DisciplineRecord.objects.create(
        region_id=person.region_id, person=person, kind=kind, start=start, document=f"文件{who}"
    )


def test_who_sees_which_records(world: World, client_as: Callable[[str], Client]) -> None:
    for who in ("cadre", "centre_cadre", "town_cadre", "foreign"):
        record(world, who)
    admin_page = client_as("region_admin").get(LIST).content.decode()
    assert "文件cadre" in admin_page and "文件town_cadre" in admin_page
    assert "文件foreign" not in admin_page
    unit_admin_page = client_as("unit_admin").get(LIST).content.decode()
    assert "文件cadre" in unit_admin_page and "文件town_cadre" not in unit_admin_page
    head = client_as("unit_head")
    head_page = head.get(LIST).content.decode()
    assert "文件cadre" in head_page and "登记处分" not in head_page  # reads, does not record
    assert head.get(reverse("conduct:discipline_new")).status_code == 404
    assert client_as("cadre").get(LIST).status_code == 404
    assert client_as("public").get(LIST).status_code == 302
    other = client_as("other_admin").get(LIST).content.decode()
    assert "文件foreign" in other and "文件cadre" not in other


def test_filters_by_kind_unit_and_year(world: World, client_as: Callable[[str], Client]) -> None:
    record(world, "cadre", "warning", dt.date(2026, 3, 2))
    record(world, "town_cadre", "demerit", dt.date(2025, 6, 1))  # runs to 2026-05-31
    record(world, "head", "warning", dt.date(2024, 6, 1))
    client = client_as("region_admin")

    def shown(query: str) -> set[str]:
        page = client.get(LIST + query).content.decode()
        return {w for w in ("cadre", "town_cadre", "head") if f"文件{w}<" in page}

    assert shown("") == {"cadre", "town_cadre", "head"}
    assert shown("?kind=demerit") == {"town_cadre"}
    assert shown(f"?unit={world.town.pk}") == {"town_cadre"}
    assert shown("?year=2026") == {"cadre", "town_cadre"}
    assert shown("?year=2027") == set()
    assert shown("?kind=nonsense&unit=abc&year=x&page=zz") == {"cadre", "town_cadre", "head"}


def leave(world: World, who: str) -> None:
    person = world.people[who]
    AbsenceRecord.objects.create(
        region_id=person.region_id,
        person=person,
        kind="leave",
        start=dt.date(2026, 4, 1),
        end=dt.date(2026, 4, 2),
        days=Decimal(2),
    )


def test_the_list_queries_do_not_grow_with_it(
    world: World,
    client_as: Callable[[str], Client],
    django_assert_max_num_queries: Callable[[int], AbstractContextManager[object]],
) -> None:
    client = client_as("region_admin")
    record(world, "cadre")
    leave(world, "cadre")
    client.get(LIST)  # warm the caches

    def count(query: str = "") -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST + query).status_code == 200
        return len(ctx.captured_queries)

    few, few_absent = count(), count("?show=absence")
    for who in ("head", "team", "centre_head", "centre_cadre", "town_head", "town_cadre") * 10:
        record(world, who)
        leave(world, who)
    assert count() == few and count("?show=absence") == few_absent
    assert count("?year=2026&page=2") == few
    # The session, the user, the unit filter's list, the count and the page.
    with django_assert_max_num_queries(6):
        client.get(LIST + f"?unit={world.bureau.pk}&year=2026")


def test_recording_discipline_from_the_form(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    url = reverse("conduct:discipline_new")
    cadre = world.people["cadre"]
    form = {
        "person": cadre.staff_no,
        "kind": "warning",
        "start": "2026-03-02",
        "end": "",
        "document": "区纪发〔2026〕3号",
    }
    page = client.post(url, {**form, "end": "2026-03-01"}).content.decode()
    assert "截止日期（2026-03-01）早于起始日期（2026-03-02）。" in page
    page = client.post(url, {**form, "person": "nobody"}).content.decode()
    assert "查无此人，请核对人员编号。" in page
    page = client.post(url, {**form, "start": "2026-02-30"}).content.decode()
    assert "起始日期不是有效日期" in page
    page = client.post(url, {**form, "document": " "}).content.decode()
    assert "请填写作出处分的文件" in page
    assert not DisciplineRecord.objects.exists()
    response = client.post(url, form)
    assert response.status_code == 302
    saved = DisciplineRecord.objects.get()
    assert (saved.person, saved.kind, saved.end) == (cadre, "warning", None)
    assert AuditEvent.objects.filter(action=AuditAction.CONDUCT_DISCIPLINE_CREATE).count() == 1
    listed = client.get(LIST).content.decode()
    assert "2026-03-02 – 2026-09-01" in listed and "（默认处分期）" in listed
    # Ending it early, then again later: refused.
    end_url = reverse("conduct:discipline_end", args=[saved.pk])
    client.post(end_url, {"end": "2026-06-30"})
    saved.refresh_from_db()
    assert saved.end == dt.date(2026, 6, 30)
    page = client.post(end_url, {"end": "2026-07-31"}, follow=True).content.decode()
    assert "该记录已于 2026-06-30 截止。" in page
    # Another region's administrator cannot reach it.
    assert client_as("other_admin").post(end_url, {"end": "2026-04-01"}).status_code == 404
    assert client_as("unit_head").post(end_url, {"end": "2026-04-01"}).status_code == 404


def test_recording_an_absence_from_the_form(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")
    url = reverse("conduct:absence_new")
    cadre = world.people["cadre"]
    form = {"person": cadre.staff_no, "kind": "leave", "start": "2026-03-02", "end": "2026-03-06"}
    page = client.post(url, {**form, "days": "6"}).content.decode()
    assert "不超过期间的 5 个自然日" in page
    page = client.post(url, {**form, "days": "abc"}).content.decode()
    assert "天数和次数请填写数字。" in page
    page = client.post(url, {**form, "days": "1.3"}).content.decode()
    assert "天数以整天或半天计。" in page
    town = world.people["town_cadre"]
    page = client.post(url, {**form, "person": town.staff_no, "days": "2"}).content.decode()
    assert f"{town.name}不在您管理的单位。" in page
    assert client.post(url, {**form, "days": "4.5"}).status_code == 302
    assert client.post(url, {**form, "kind": "late_early", "times": "3"}).status_code == 302
    totals = selectors.absence_totals(
        [cadre.pk, town.pk], dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    )
    assert totals == {cadre.pk: selectors.AbsenceTotals(Decimal(0), Decimal("4.5"), 3)}


def test_the_services_refuse_another_region_and_unknown_people(world: World) -> None:
    admin = world.users["region_admin"]
    with refused(ConductErrorCode.OTHER_REGION):
        services.discipline_create(
            actor=admin,
            person_id=world.people["foreign"].pk,
            kind="warning",
            start=dt.date(2026, 3, 2),
            end=None,
            document="区纪发〔2026〕3号",
        )
    with refused(ConductErrorCode.UNKNOWN_PERSON):
        services.absence_create(
            actor=admin,
            person_id=0,
            kind="leave",
            start=dt.date(2026, 3, 2),
            end=dt.date(2026, 3, 2),
            days=Decimal(1),
        )
    with refused(ConductErrorCode.BAD_KIND):
        services.discipline_create(
            actor=admin,
            person_id=world.people["cadre"].pk,
            kind="nonsense",
            start=dt.date(2026, 3, 2),
            end=None,
            document="区纪发〔2026〕3号",
        )


def test_records_for_people_by_hand(world: World) -> None:
    cadre, town = world.people["cadre"], world.people["town_cadre"]
    record(world, "cadre", "warning", dt.date(2025, 11, 3))  # to 2026-05-02
    record(world, "cadre", "demerit", dt.date(2024, 1, 1))  # to 2024-12-31: outside
    record(world, "town_cadre", "refusal", dt.date(2026, 12, 20))
    found = selectors.records_for_people(
        [cadre.pk, town.pk], dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    )
    assert [(r.kind, r.end, r.default_end) for r in found[cadre.pk]] == [
        ("warning", dt.date(2026, 5, 2), True)
    ]
    assert [(r.kind_label, r.start) for r in found[town.pk]] == [
        ("拒不参加考核", dt.date(2026, 12, 20))
    ]
    assert selectors.records_for_people([], dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == {}
