"""A unit administrator (who may open the round's page) posts "close" to it.

The page queued the close as a background job for anyone who could see the round;
the job then failed on the service's check. A unit admin so started jobs in the
region's name (audited as theirs), held the round's one job slot, and could make the
office's own click land on their failed job. Now refused in the request: no job is
queued. (A close of a round that is not open is still refused by the job, shown on
its page: kaohe/reviews/tests/test_close_job.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.jobs.models import Job
from kaohe.reviews.models import ReviewRound, RoundState, RoundUnit
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def _round(world: World, state: RoundState) -> ReviewRound:
    round_ = ReviewRound.objects.create(
        region=world.region,
        year=2026,
        number=1,
        state=state,
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2026, 4, 10),
    )
    RoundUnit.objects.create(round=round_, unit=world.bureau)
    return round_


def test_a_unit_admins_close_queues_no_job(
    world: World, client_as: Callable[[str], Client]
) -> None:
    round_ = _round(world, RoundState.OPEN)
    url = reverse("reviews:round", args=[round_.pk])
    response = client_as("unit_admin").post(url, {"action": "close"}, follow=True)
    assert response.status_code == 200
    assert "只有本地区考核办可以进行此操作" in response.content.decode()
    assert not Job.objects.exists()
    round_.refresh_from_db()
    assert round_.state == RoundState.OPEN
