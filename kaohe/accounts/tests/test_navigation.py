"""The navigation every page renders: roles and the unread count come from the shared
cache, and a grant, a revocation or a notification shows on the very next request."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kaohe.accounts.access import FACTS_TOPIC
from kaohe.accounts.models import Role, RoleGrant
from kaohe.accounts.services import role_grant, role_revoke
from kaohe.core.cache import user_key
from kaohe.notices.services import notify
from kaohe.testing import World

# Committed writes, as in production: the cache is dropped by the services' on-commit hooks.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_revoked_role_is_gone_on_the_next_request(
    world: World, client_as: Callable[[str], Client]
) -> None:
    admin = world.users["unit_admin"]
    client = client_as("unit_admin")
    assert reverse("org:roster_import") in client.get(reverse("notifications")).content.decode()
    assert cache.get(user_key(FACTS_TOPIC, admin.pk)) is not None  # served from the cache
    grant = RoleGrant.objects.get(user=admin, role=Role.UNIT_ADMIN)
    role_revoke(actor=world.users["region_admin"], grant=grant)
    page = client.get(reverse("notifications")).content.decode()
    assert reverse("org:roster_import") not in page
    assert client.get(reverse("org:roster_import")).status_code == 404


def test_a_granted_role_shows_on_the_next_request(
    world: World, client_as: Callable[[str], Client]
) -> None:
    cadre = world.users["cadre"]
    client = client_as("cadre")
    assert reverse("audit_log") not in client.get(reverse("notifications")).content.decode()
    role_grant(actor=None, user=cadre, role=Role.REGION_ADMIN)
    assert reverse("audit_log") in client.get(reverse("notifications")).content.decode()
    assert client.get(reverse("audit_log")).status_code == 200


def test_the_unread_count_follows_new_and_read_notifications(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("cadre")
    assert 'id="unread-count"' not in client.get(reverse("notifications")).content.decode()
    notify(users=[world.users["cadre"]], text="请查收", kind="test")
    page = client.get(reverse("notifications")).content.decode()
    assert '<span class="pill" id="unread-count">1</span>' in page
    client.post(reverse("notifications"))
    assert 'id="unread-count"' not in client.get(reverse("notifications")).content.decode()


def test_another_users_notification_leaves_the_count_alone(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("cadre")
    client.get(reverse("notifications"))
    notify(users=[world.users["cadre_other"]], text="请查收", kind="test")
    assert 'id="unread-count"' not in client.get(reverse("notifications")).content.decode()
    assert 'id="unread-count"' in client_as("cadre_other").get("/notifications/").content.decode()


def test_the_navigation_reads_nothing_from_the_database_once_cached(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_head")
    client.get(reverse("notifications"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("notifications")).status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    assert not [q for q in sql if "accounts_rolegrant" in q]
    assert not [q for q in sql if "COUNT(" in q and "core_notification" in q]
    # The session, the user (with person and region), the page's list.
    assert len(sql) == 3
