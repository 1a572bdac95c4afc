"""The ballot pages read a rater's open ballots from the shared cache (issue 14): every
write that changes them is seen on the next read, the cached value holds no score and
sits under the rater's own key only, and the pages' queries do not grow with what
they list."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaohe.core.cache import user_key
from kaohe.org import services as org_services
from kaohe.org.models import LeadershipRole, MembershipStatus
from kaohe.reviews import caches, policies, selectors, services
from kaohe.reviews.models import ReviewRound, RoundUnit
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.reviews.tests.test_ballot_page import form
from kaohe.reviews.tests.test_rounds import ballot
from kaohe.testing import World

# Committed transactions, as in production: the forgets run at commit (inside a test's
# own transaction, a forgotten key would be rebuilt on every read, hiding a stale one).
pytestmark = pytest.mark.django_db(transaction=True)

MINE = "/reviews/"


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_submitted_ballot_leaves_my_list_at_once(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    url = reverse("reviews:ballot", args=[ru.pk])
    client = client_as("B00")
    assert f'href="{url}"' in page(client, MINE) and "已提交" not in page(client, MINE)
    assert 'name="score_' in page(client, url)
    response = client.post(url, form(ballot(big, "B00", ru), "submit"))
    assert response.status_code == 302
    mine = page(client, MINE)
    assert "已提交" in mine and f'href="{url}"' not in mine
    opened = page(client, url)
    assert "已提交" in opened and 'name="score_' not in opened
    # Another rater of the unit still has theirs to cast.
    assert f'href="{url}"' in page(client_as("B01"), MINE)


def test_a_saved_draft_is_continued_at_once(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    url = reverse("reviews:ballot", args=[ru.pk])
    client = client_as("B00")
    assert "继续填写草稿" not in page(client, MINE)
    values = ballot(big, "B00", ru)
    key, value = next(iter(values.items()))
    assert client.post(url, form({key: value}, "save")).status_code == 302
    assert "继续填写草稿" in page(client, MINE)
    field = f'name="score_{key}" value="{value}"'
    assert field in page(client, url)


def test_a_closed_round_leaves_my_list_and_a_reopened_round_comes_back(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    url = reverse("reviews:ballot", args=[ru.pk])
    client = client_as("B00")
    services.ballot_submit(actor=big.users["B00"], round_unit=ru, values=ballot(big, "B00", ru))
    assert "已提交" in page(client, MINE)
    admin = big.users["region_admin"]
    services.round_close(actor=admin, round_=q1)
    assert "目前没有需要您投的选票" in page(client, MINE)
    assert client.get(url).status_code == 404
    closed = ReviewRound.objects.get(pk=q1.pk)
    services.round_reopen(actor=admin, round_=closed, reason="有单位漏投")
    mine = page(client, MINE)
    # Everyone votes again: the ballot is back, not submitted.
    assert f'href="{url}"' in mine and "已提交" not in mine
    assert 'name="score_' in page(client, url)


def test_an_extended_round_shows_its_new_end_at_once(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    client = client_as("B00")
    assert "截至 2026-04-10" in page(client, MINE)
    services.round_extend(
        actor=big.users["region_admin"], round_=q1, ends_on=dt.date(2026, 4, 20), reason="系统维护"
    )
    assert "截至 2026-04-20" in page(client, MINE)


def test_a_roster_change_is_on_the_ballot_at_once(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    url = reverse("reviews:ballot", args=[ru.pk])
    client = client_as("B00")
    moved = big.people["b5"]
    assert moved.name in page(client, url) and "11 人" in page(client, MINE)
    # b5 leaves the bureau within the quarter: not in it at the period's end.
    org_services.membership_change(
        actor=None,
        person=moved,
        unit=big.centre,
        rank_level=big.rank("一级科员"),
        personnel_category=big.category(),
        leadership_role=LeadershipRole.STAFF,
        status=MembershipStatus.ON_DUTY,
        valid_from=dt.date(2026, 2, 1),
    )
    assert moved.name not in page(client, url) and "10 人" in page(client, MINE)


def test_approved_outside_raters_find_their_ballot_at_once(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    centre = RoundUnit.objects.get(round=q1, unit=big.centre)
    url = reverse("reviews:ballot", args=[centre.pk])
    client = client_as("B03")
    assert f'href="{url}"' not in page(client, MINE) and client.get(url).status_code == 404
    raters = [big.people[k] for k in ("b3", "b4", "b5")]
    services.extra_raters_propose(
        actor=big.users["unit_admin"], round_unit=centre, people=raters, note="业务相近"
    )
    assert client.get(url).status_code == 404  # proposed, not approved
    services.extra_raters_decide(
        actor=big.users["unit_admin"], round_unit=centre, approve=True, note="同意"
    )
    assert f'href="{url}"' in page(client, MINE)
    assert 'name="score_' in page(client, url)


def test_the_cached_ballots_agree_with_the_ballot_sheet(big: World, q1: ReviewRound) -> None:
    """The pages' ballots (built for many round units at once) are the services'
    sheets (which every submission checks), for each rater of the unit."""
    ru = RoundUnit.objects.select_related("round", "unit").get(pk=bureau_unit(q1, big).pk)
    for key, user in big.users.items():
        sheet = policies.ballot_sheet(rater=user.person, round_unit=ru) if user.person else None
        shown = [b for b in selectors.open_ballots(user) if b.round_unit_id == ru.pk]
        if sheet is None:
            assert shown == [], key
            continue
        assert shown == [selectors.open_ballot_of(ru, sheet, submitted=False, has_draft=False)], key


def test_the_cached_value_holds_no_score_and_only_the_raters_own_ballots(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    values = ballot(big, "B00", ru)
    services.ballot_save_draft(actor=big.users["B00"], round_unit=ru, values=values)
    client_as("B00").get(MINE)
    _stamp, stored = cache.get(user_key(caches.MY_BALLOTS_TOPIC, big.users["B00"].pk))
    (mine,) = stored
    # What a ballot page shows its rater before they open their draft: no score field.
    assert {f.name for f in dataclasses.fields(mine)} == {
        "round_unit_id", "round_id", "unit_id", "round_label", "unit_name", "group",
        "starts_on", "ends_on", "score_min", "score_max", "high_score", "high_limit",
        "dimensions", "can_vote", "targets", "submitted", "has_draft",
    }  # fmt: skip
    assert mine.has_draft and big.people["b0"].pk not in {t.pk for t in mine.targets}
    # Nobody else's key holds B00's standing.
    client_as("B01").get(MINE)
    _stamp, theirs = cache.get(user_key(caches.MY_BALLOTS_TOPIC, big.users["B01"].pk))
    assert [b.has_draft for b in theirs] == [False]


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pages_read_no_table_of_rounds_once_warm(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    url = reverse("reviews:ballot", args=[ru.pk])
    client = client_as("B00")
    client.get(MINE)
    # The session and the user with their person: what every signed-in page reads.
    assert count_queries(client, MINE) == 2
    assert count_queries(client, url) == 2
    services.ballot_save_draft(actor=big.users["B00"], round_unit=ru, values={})
    client.get(url)
    assert count_queries(client, url) == 3  # and the sealed draft, once there is one


def test_building_my_ballots_does_not_grow_with_them(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    client = client_as("B03")
    cache.clear()
    one = count_queries(client, MINE)
    centre = RoundUnit.objects.get(round=q1, unit=big.centre)
    raters = [big.people[k] for k in ("b3", "b4", "b5")]
    services.extra_raters_propose(
        actor=big.users["unit_admin"], round_unit=centre, people=raters, note="业务相近"
    )
    services.extra_raters_decide(
        actor=big.users["unit_admin"], round_unit=centre, approve=True, note="同意"
    )
    cache.clear()
    assert page(client, MINE).count('class="card"') == 2
    cache.clear()
    assert count_queries(client, MINE) == one
