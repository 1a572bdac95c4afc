"""/api/ballots: the rater's open ballots as the "my ballots" page lists them; never a
score, a draft's values, or anything that ties a rater to a value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from kaohe.api.tests.helpers import count_queries
from kaohe.reviews import services
from kaohe.reviews.models import ReviewRound
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.reviews.tests.test_ballot_page import form
from kaohe.reviews.tests.test_rounds import ballot
from kaohe.testing import World

pytestmark = pytest.mark.django_db

FIELDS = {
    "round_unit_id",
    "round",
    "unit",
    "group",
    "group_label",
    "starts_on",
    "ends_on",
    "target_count",
    "status",
    "status_label",
}


def test_my_ballots_are_names_and_standing_only(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    client = client_as("B00")
    [mine] = client.get("/api/ballots").json()
    assert set(mine) == FIELDS  # no score, no draft values, no other rater
    assert mine["round_unit_id"] == ru.pk and mine["unit"] == big.bureau.name
    assert mine["status"] == "open" and mine["status_label"] == "未提交"
    assert mine["group_label"] == "其他参评" and mine["target_count"] == 11
    detail = client.get(f"/api/ballots/{ru.pk}").json()
    assert set(detail) == FIELDS | {"targets"} and len(detail["targets"]) == 11
    assert "周敏" not in detail["targets"] and "王建国" in detail["targets"]  # not oneself


def test_a_draft_and_a_submitted_ballot_show_their_standing_without_values(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    page = reverse("reviews:ballot", args=[ru.pk])
    client = client_as("B00")
    values = ballot(big, "B00", ru)
    key, value = next(iter(values.items()))
    assert client.post(page, form({key: value}, "save")).status_code == 302
    cache.clear()  # the test's transaction never commits: the forget runs at commit
    response = client.get("/api/ballots")
    [mine] = response.json()
    assert mine["status"] == "draft" and mine["status_label"] == "草稿已保存"
    assert client.post(page, form(values, "submit")).status_code == 302
    cache.clear()
    response = client.get("/api/ballots")
    [mine] = response.json()
    assert mine["status"] == "submitted" and mine["status_label"] == "已提交"
    assert set(mine) == FIELDS


def test_ballots_answer_nothing_and_404_outside_the_raters_own(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    # The town's cadre rates the town, not the bureau.
    town = client_as("cadre_other")
    assert [b["unit"] for b in town.get("/api/ballots").json()] == [big.town.name]
    assert town.get(f"/api/ballots/{ru.pk}").status_code == 404
    # An account with no person rates nothing.
    admin = client_as("region_admin")
    assert admin.get("/api/ballots").json() == []
    assert admin.get(f"/api/ballots/{ru.pk}").status_code == 404
    assert client_as("public").get("/api/ballots").status_code == 401


def test_ballots_read_the_same_queries_for_more_ballots(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    client = client_as("B00")
    one = count_queries(client, "/api/ballots")
    monthly = services.round_create(
        actor=big.users["region_admin"],
        region=big.region,
        year=2026,
        number=3,
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 4, 10),
        cadence=ReviewRound.Cadence.MONTHLY,
    )
    services.round_open(actor=big.users["region_admin"], round_=monthly)
    assert len(client.get("/api/ballots").json()) == 2
    assert count_queries(client, "/api/ballots") == one
