"""Region admins browse and filter their region's audit log; nobody else can."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaohe.core.audit import audit_record
from kaohe.core.models import AuditEvent
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def test_it_lists_and_filters_the_regions_events(
    world: World, client_as: Callable[[str], Client]
) -> None:
    audit_record(actor=world.users["unit_admin"], action="org.roster.import", region=world.region)
    audit_record(
        actor=None, action="org.unit.create", region=world.other_region, obj=world.foreign_unit
    )
    client = client_as("region_admin")
    page = client.get(reverse("audit_log")).content.decode()
    assert "org.roster.import" in page and "邻区财政局" not in page
    only = client.get(
        reverse("audit_log"), {"action": "org.roster", "actor": "unit_admin"}
    ).content.decode()
    assert "org.roster.import" in only and "org.unit.create</code>" not in only
    bad = client.get(reverse("audit_log"), {"date_from": "昨天"})
    assert bad.status_code == 200 and "日期格式应为" in bad.content.decode()


def test_its_query_count_does_not_grow_with_the_log(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit_log")).status_code == 200
        return len(captured)

    few = queries()
    for i in range(60):
        audit_record(actor=world.users["cadre"], action=f"test.event{i % 3}", region=world.region)
    # session, user, grants, unread notifications, count, actions, page, session save (3)
    assert queries() == few <= 10


def test_it_records_logins_and_failed_logins(world: World) -> None:
    client = Client()
    client.post(reverse("login"), {"username": "cadre", "password": "wrong-password"})
    client.post(reverse("login"), {"username": "cadre", "password": "kaohe-test-password"})
    actions = list(
        AuditEvent.objects.filter(action__startswith="auth.").values_list("action", "details")
    )
    assert ("auth.login_failed", {"username": "cadre"}) in actions
    assert any(a == "auth.login" for a, _d in actions)
    assert all("password" not in str(d) for _a, d in actions)


def test_login_locks_after_five_failures(world: World) -> None:
    client = Client()
    for _ in range(5):
        client.post(reverse("login"), {"username": "cadre", "password": "wrong-password"})
    locked = client.post(reverse("login"), {"username": "cadre", "password": "kaohe-test-password"})
    assert locked.status_code == 429
    assert "账户已锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session
