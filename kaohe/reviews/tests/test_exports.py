"""Who has not voted yet, as an Excel download for the round's admins: names, nothing else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaohe.core import workbooks
from kaohe.core.tests.downloads import read_download
from kaohe.reviews import services
from kaohe.reviews.models import ExtraRater, Participation, ReviewRound, RoundUnit
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def _voted(round_: ReviewRound, world: World, *keys: str) -> None:
    Participation.objects.bulk_create(
        Participation(
            round=round_,
            unit=world.people[k].memberships.get().unit,
            rater=world.people[k],
            submitted_on=dt.date(2026, 4, 2),
        )
        for k in keys
    )


def _approve_town(round_: ReviewRound, world: World, *outside: str) -> RoundUnit:
    town = RoundUnit.objects.get(round=round_, unit=world.town)
    town.proposal = RoundUnit.Proposal.APPROVED
    town.save(update_fields=["proposal"])
    ExtraRater.objects.bulk_create(
        ExtraRater(round_unit=town, person=world.people[k]) for k in outside
    )
    return town


def _export(client: Client, round_: ReviewRound) -> tuple[int, list[tuple[object, ...]]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reviews:non_voters_export", args=[round_.pk]))
        sheets = read_download(response, f"{round_}-未投票人员.xlsx")
    return len(queries), sheets["尚未投票"]


def test_the_region_admin_downloads_who_has_not_voted_per_unit(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    _voted(q1, big, "head", "b0", "b1")
    _approve_town(q1, big, "team")
    client = client_as("region_admin")
    page = client.get(reverse("reviews:round", args=[q1.pk])).content.decode()
    assert reverse("reviews:non_voters_export", args=[q1.pk]) in page
    _n, rows = _export(client, q1)
    assert rows[0] == ("单位编码", "单位", "人员编号", "姓名", "参评身份")
    names = [r[3] for r in rows[1:]]
    assert "王建国" not in names and "周敏" not in names and "吴刚" not in names  # they voted
    assert len([r for r in rows if r[0] == "D001"]) == 12 - 3
    # The town votes with an approved outside rater; the centre awaits its proposal.
    assert ("T001", "城关镇", "T0002", "李文华", "其他参评人员") in rows
    assert {r[3] for r in rows if r[0] == "T001"} == {"杨帆", "赵磊", "李文华"}
    assert "S001" not in {r[0] for r in rows}
    assert len(rows[0]) == 5  # never a date, a score or anything a ballot held


def test_the_download_reads_the_same_queries_for_more_people(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbooks, "EXPORT_CHUNK", 2)  # many fetches, never more queries
    client = client_as("region_admin")
    few, small = _export(client, q1)
    _approve_town(q1, big, "team", "cadre", "centre_cadre")
    many, large = _export(client, q1)
    assert few == many and len(large) == len(small) + 5


def test_a_unit_admin_gets_their_units_and_others_get_nothing(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    _approve_town(q1, big)
    _n, rows = _export(client_as("unit_admin"), q1)
    assert {r[0] for r in rows[1:]} == {"D001"}
    url = reverse("reviews:non_voters_export", args=[q1.pk])
    for persona in ("cadre", "unit_head", "supervisor", "other_admin"):
        assert client_as(persona).get(url).status_code == 404, persona


def test_a_draft_round_has_no_list_of_non_voters(
    big: World, client_as: Callable[[str], Client]
) -> None:
    draft = services.round_create(
        actor=big.users["region_admin"],
        region=big.region,
        year=2026,
        number=2,
        starts_on=dt.date(2026, 7, 1),
        ends_on=dt.date(2026, 7, 10),
    )
    client = client_as("region_admin")
    assert client.get(reverse("reviews:non_voters_export", args=[draft.pk])).status_code == 404
    page = client.get(reverse("reviews:round", args=[draft.pk])).content.decode()
    assert "non-voters-export" not in page
