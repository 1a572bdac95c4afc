"""Round rules that turned suppression off or made ballots meaningless (issue 12, item 20):
a minimum of 0 or 1, a top score equal to the bottom one. Refused at every entry point
with a message that says what to change: Django admin, the services, the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from kaohe.reviews import services
from kaohe.reviews.errors import ReviewErrorCode
from kaohe.reviews.models import ReviewRound
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db

RULES = {
    "starts_on": "2026-04-01",
    "ends_on": "2026-04-10",
    "score_min": "50",
    "score_max": "100",
    "high_score": "90",
    "high_share": "0.30",
    "min_shown": "3",
    "trim_above": "5",
    "uniform_invalid": "on",
}
BAD = [
    ({"min_shown": "0"}, "至少 3"),
    ({"min_shown": "1"}, "至少 3"),
    ({"min_shown": "2"}, "至少 3"),
    ({"score_max": "50"}, "最高分必须高于最低分"),
    ({"score_min": "100", "high_score": "100"}, "最高分必须高于最低分"),
    ({"high_score": "101"}, "高分线"),
    ({"high_score": "50"}, "高分线"),
    ({"high_share": "0"}, "比例"),
    ({"high_share": "1.5"}, "比例"),
    ({"ends_on": "2026-03-01"}, "截止"),
    ({"score_max": "40000"}, "1000"),
]


@pytest.fixture
def draft(world: World) -> ReviewRound:
    return services.round_create(
        actor=world.users["region_admin"],
        region=world.region,
        year=2026,
        number=1,
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 4, 10),
    )


@pytest.mark.parametrize(("change", "fragment"), BAD)
def test_django_admin_refuses_rules_that_break_the_round(
    draft: ReviewRound,
    client_as: Callable[[str], Client],
    change: dict[str, str],
    fragment: str,
) -> None:
    url = f"/admin/reviews/reviewround/{draft.pk}/change/"
    response = client_as("region_admin").post(url, {**RULES, **change})
    assert response.status_code == 200  # the form again, with the message
    assert fragment in response.content.decode()
    draft.refresh_from_db()
    assert (draft.min_shown, draft.score_min, draft.score_max) == (3, 50, 100)


def test_django_admin_accepts_sound_rules(
    draft: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    url = f"/admin/reviews/reviewround/{draft.pk}/change/"
    response = client_as("region_admin").post(url, {**RULES, "min_shown": "4"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.min_shown == 4


@pytest.mark.parametrize(("change", "fragment"), BAD)
def test_the_service_check_refuses_the_same_rules(
    draft: ReviewRound, change: dict[str, str], fragment: str
) -> None:
    fields: dict[str, Any] = {
        k: (dt.date.fromisoformat(v) if k.endswith("_on") else v) for k, v in change.items()
    }
    for name, value in fields.items():
        setattr(draft, name, value)
    with refused(ReviewErrorCode.RULES_INVALID, match=fragment):
        services.round_rules_check(draft)


def test_round_create_refuses_a_round_that_ends_before_it_starts(world: World) -> None:
    with refused(ReviewErrorCode.VOTING_ENDS_BEFORE_START):
        services.round_create(
            actor=world.users["region_admin"],
            region=world.region,
            year=2026,
            number=2,
            starts_on=dt.date(2026, 7, 10),
            ends_on=dt.date(2026, 7, 1),
        )


@pytest.mark.parametrize(
    "change", [{"min_shown": 1}, {"score_max": 50}, {"high_share": 0}, {"high_score": 101}]
)
def test_the_database_refuses_them_too(draft: ReviewRound, change: dict[str, int]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewRound.objects.filter(pk=draft.pk).update(**change)
