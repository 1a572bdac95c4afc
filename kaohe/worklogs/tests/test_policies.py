"""The region's work-record rules: every region has its row from its creation on, and the
pages read the rules without writing (a missing row reads as the defaults)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from kaohe.core import cache as region_cache
from kaohe.org import services as org_services
from kaohe.testing import World
from kaohe.worklogs.models import WorklogPolicy
from kaohe.worklogs.policies import policy_for

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 16)


def test_a_new_region_has_its_rules_row() -> None:
    region = org_services.region_create(actor=None, name="新区", code="new", level="district")
    assert WorklogPolicy.objects.filter(region=region).exists()


@override_settings(KAOHE_TODAY=TODAY)
def test_reading_the_pages_writes_no_rules_row(
    world: World, client_as: Callable[[str], Client]
) -> None:
    WorklogPolicy.objects.filter(region=world.region).delete()
    cache.clear()
    region_cache.reset()
    assert policy_for(world.region.pk).pk is None  # the defaults, unsaved
    assert policy_for(world.region.pk).log_min_chars == 10
    for persona, url in (
        ("cadre", reverse("worklogs:today")),
        ("cadre", reverse("worklogs:month")),
        ("region_admin", reverse("worklogs:compliance")),
    ):
        client = client_as(persona)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        inserts = [q["sql"] for q in captured.captured_queries if "worklogpolicy" in q["sql"]]
        assert all(sql.lstrip().upper().startswith("SELECT") for sql in inserts), inserts
    assert not WorklogPolicy.objects.filter(region=world.region).exists()
