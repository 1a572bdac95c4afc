"""Hostile POSTs to the pages that start background jobs: a year past the calendar,
a quarter 0 or 5. Each is refused in the request with a Chinese message; no job is
queued for it (a failed job, or one keyed by a hundred-digit year, is not a refusal)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kaohe.jobs.models import Job
from kaohe.testing import World

pytestmark = pytest.mark.django_db

HUGE = "9" * 100


@pytest.mark.parametrize(
    "data",
    [
        {"action": "quarter", "year": HUGE, "quarter": "1"},
        {"action": "quarter", "year": HUGE, "quarter": "5"},
        {"action": "quarter", "year": "2026", "quarter": "0"},
        {"action": "quarter", "year": "2026", "quarter": "5"},
        {"action": "quarter", "year": "2026", "quarter": "-1"},
        {"action": "year", "year": HUGE},
        {"action": "year", "year": "99999"},
    ],
)
def test_a_hostile_period_is_refused_without_a_job(
    world: World, client_as: Callable[[str], Client], data: dict[str, str]
) -> None:
    response = client_as("region_admin").post("/scoring/", data, follow=True)
    assert response.status_code == 200
    assert not Job.objects.exists()
    text = response.content.decode()
    assert "请" in text or "不" in text  # a Chinese message says what to fix
