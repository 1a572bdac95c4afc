"""Attacks on the conduct pages (discipline and absence records): days at the
calendar's ends, the admin's extreme rules, writes across units and regions, GETs
and forged posts. Never a 500, nothing half-written, a Chinese refusal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.conduct.models import AbsenceRecord, ConductPolicy, DisciplineRecord
from kaohe.conduct.policies import policy_forget
from kaohe.testing import World

pytestmark = pytest.mark.django_db
LIST = reverse("conduct:list")
NEW = reverse("conduct:discipline_new")
ABSENCE = reverse("conduct:absence_new")


def _discipline(world: World, who: str = "cadre", **over: str) -> dict[str, str]:
    return {
        "person": world.people[who].staff_no,
        "kind": "demerit",
        "start": "2026-03-02",
        "end": "",
        "document": "区人社发〔2026〕1号",
        **over,
    }


@pytest.mark.parametrize(
    ("start", "end"),
    [("9999-12-01", ""), ("0001-01-01", ""), ("2026-03-02", "9999-12-31"), ("1999-12-31", "")],
)
def test_a_day_outside_the_calendar_of_the_pages_is_refused(
    world: World, client_as: Callable[[str], Client], start: str, end: str
) -> None:
    """A punishment starting in 9999 was saved, and the list then failed with a 500
    (its default period ran past year 9999)."""
    client = client_as("region_admin")
    response = client.post(NEW, _discipline(world, start=start, end=end))
    assert response.status_code == 200
    assert "2000-01-01" in response.content.decode()  # the Chinese message names the range
    assert not DisciplineRecord.objects.exists()
    response = client.post(
        ABSENCE,
        {
            "person": world.people["cadre"].staff_no,
            "kind": "leave",
            "start": start,
            "end": end or start,
            "days": "1",
        },
    )
    assert response.status_code == 200
    assert not AbsenceRecord.objects.exists()
    assert client.get(LIST).status_code == 200


def test_the_lists_read_records_and_rules_at_the_calendars_ends(
    world: World, client_as: Callable[[str], Client]
) -> None:
    """What the admin can store (a day in 9999, 32,767 months of a 警告) must not break
    the list, its year filter, the archive or the forms."""
    cadre = world.people["cadre"]
    for start in (dt.date(9999, 12, 1), dt.date(1, 1, 1), dt.date(2026, 3, 2)):
        DisciplineRecord.objects.create(
            region_id=cadre.region_id, person=cadre, kind="warning", start=start, document="文件"
        )
    ConductPolicy.objects.create(region=world.region, warning_months=32767)
    policy_forget(world.region.pk)
    client = client_as("region_admin")
    for url in (
        LIST,
        LIST + "?year=2026",
        LIST + "?year=2000",
        reverse("outcomes:archive", args=[cadre.pk, 2026]),
        reverse("outcomes:archive_pdf", args=[cadre.pk, 2026]),
        reverse("outcomes:forms_person_annual", args=[cadre.pk, 2026]),
        reverse("outcomes:forms_person_quarter", args=[cadre.pk, 2026, 1]),
    ):
        assert client.get(url).status_code == 200, url


def test_an_oversize_document_or_note_is_refused_not_cut(
    world: World, client_as: Callable[[str], Client]
) -> None:
    """A 2,000-character note was saved cut to its first 300, and the page said
    "recorded": the record held less than was sent, and nobody was told."""
    client = client_as("region_admin")
    for over in ({"document": "文" * 201}, {"note": "注" * 2000}):
        response = client.post(NEW, _discipline(world, **over))
        assert response.status_code == 200
        assert "请删减" in response.content.decode()
    response = client.post(
        ABSENCE,
        {
            "person": world.people["cadre"].staff_no,
            "kind": "leave",
            "start": "2026-03-02",
            "end": "2026-03-02",
            "days": "1",
            "note": "注" * 301,
        },
    )
    assert "请删减 1 个字" in response.content.decode()
    assert not DisciplineRecord.objects.exists() and not AbsenceRecord.objects.exists()
    # At the limit it is kept whole.
    assert client.post(NEW, _discipline(world, note="注" * 300)).status_code == 302
    assert DisciplineRecord.objects.get().note == "注" * 300


def test_a_forged_post_or_a_get_writes_nothing(world: World) -> None:
    """A cross-site form (no CSRF token) and a GET of the end URL: refused, unwritten."""
    cadre = world.people["cadre"]
    record = DisciplineRecord.objects.create(
        region_id=cadre.region_id, person=cadre, kind="warning", start=dt.date(2026, 3, 2)
    )
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(world.users["region_admin"])
    assert forged.post(NEW, _discipline(world)).status_code == 403
    end = reverse("conduct:discipline_end", args=[record.pk])
    assert forged.post(end, {"end": "2026-04-01"}).status_code == 403
    assert forged.get(end + "?end=2026-04-01").status_code == 405
    record.refresh_from_db()
    assert record.end is None and DisciplineRecord.objects.count() == 1
