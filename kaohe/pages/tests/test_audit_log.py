"""Region admins browse and filter their region's audit log; nobody else can."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction, admin_action
from kaohe.core.models import AuditEvent
from kaohe.org.models import RankLevel
from kaohe.pages.audit import AuditCursor
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def test_it_lists_and_filters_the_regions_events(
    world: World, client_as: Callable[[str], Client]
) -> None:
    audit_record(
        actor=world.users["unit_admin"], action=AuditAction.ORG_ROSTER_IMPORT, region=world.region
    )
    audit_record(
        actor=None,
        action=AuditAction.ORG_UNIT_CREATE,
        region=world.other_region,
        obj=world.foreign_unit,
    )
    client = client_as("region_admin")
    page = client.get(reverse("audit_log")).content.decode()
    assert "org.roster.import" in page and "邻区财政局" not in page
    only = client.get(
        reverse("audit_log"), {"action": "org.roster.import", "actor": "unit_admin"}
    ).content.decode()
    assert "org.roster.import" in only and "org.unit.create</code>" not in only
    bad = client.get(reverse("audit_log"), {"date_from": "昨天"})
    assert bad.status_code == 200 and "日期格式应为" in bad.content.decode()


def test_its_query_count_does_not_grow_with_the_log(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    client.get(reverse("audit_log"))  # the session's first save, the navigation's cache

    def queries(**params: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit_log"), params).status_code == 200
        sql = [q["sql"] for q in captured.captured_queries if "core_auditevent" in q["sql"]]
        assert sql and not [q for q in sql if "COUNT(" in q]
        assert not [q for q in sql if "DISTINCT" in q]
        return len(captured)

    few = queries()
    for _ in range(120):
        audit_record(actor=world.users["cadre"], action=AuditAction.AUTH_LOGIN, region=world.region)
    # session, user, grants (cached outside a test's transaction), the page's rows
    assert queries() == few <= 4
    assert queries(action="auth.login", actor="cadre") == few
    last = AuditEvent.objects.filter(region=world.region).order_by("created_at", "id").first()
    assert last is not None
    assert queries(before=AuditCursor.of(last).token()) == few


def walk(client: Client, params: dict[str, str], key: str) -> list[list[int]]:
    """Every page from the first, following the `key` link ("older" or "newer")."""
    url: str | None = reverse("audit_log") + "?" + urlencode(params)
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append([e.pk for e in response.context["events"]])
        link = response.context[f"{key}_url"]
        url = reverse("audit_log") + link if link else None
    return pages


def test_keyset_pages_return_every_event_once_in_order(
    world: World, client_as: Callable[[str], Client]
) -> None:
    region = world.region
    events = [
        AuditEvent(region=region, action="auth.login", actor_name="cadre") for _ in range(120)
    ]
    AuditEvent.objects.bulk_create(events)
    # Equal times are common (a batch writes many rows at once): the id settles them.
    same = timezone.now()
    AuditEvent.objects.filter(region=region).update(created_at=same)
    AuditEvent.objects.filter(region=region, pk__lte=events[30].pk).update(
        created_at=same - dt.timedelta(hours=1)
    )
    client = client_as("region_admin")  # signing in is an event too
    newest_first = list(
        AuditEvent.objects.filter(region=region)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    pages = walk(client, {}, "older")
    assert [len(p) for p in pages] == [50, 50, len(newest_first) - 100]
    assert [pk for page in pages for pk in page] == newest_first
    # A deep page reached by its link, and back again by "newer".
    third = client.get(
        reverse("audit_log"),
        {"before": AuditCursor.of(AuditEvent.objects.get(pk=pages[1][-1])).token()},
    )
    assert [e.pk for e in third.context["events"]] == pages[2]
    back = client.get(reverse("audit_log") + third.context["newer_url"])
    assert [e.pk for e in back.context["events"]] == pages[1]
    first = client.get(reverse("audit_log") + back.context["newer_url"])
    assert [e.pk for e in first.context["events"]] == pages[0]
    assert first.context["newer_url"] == ""


def test_keyset_pages_keep_the_filter(world: World, client_as: Callable[[str], Client]) -> None:
    for i in range(70):
        action = AuditAction.AUTH_LOGIN if i % 2 else AuditAction.AUTH_LOGOUT
        audit_record(actor=world.users["cadre"], action=action, region=world.region)
    pages = walk(client_as("region_admin"), {"action": "auth.logout"}, "older")
    assert [len(p) for p in pages] == [35]
    pages = walk(client_as("region_admin"), {"actor": "cadre"}, "older")
    assert [len(p) for p in pages] == [50, 20]


def test_the_filter_offers_the_labelled_actions_and_all_admin_edits(
    world: World, client_as: Callable[[str], Client]
) -> None:
    audit_record(
        actor=world.users["region_admin"],
        action=admin_action(RankLevel, "add"),
        region=world.region,
    )
    audit_record(
        actor=world.users["region_admin"],
        action=admin_action(RankLevel, "change"),
        region=world.region,
    )
    audit_record(actor=world.users["cadre"], action=AuditAction.AUTH_LOGIN, region=world.region)
    client = client_as("region_admin")
    page = client.get(reverse("audit_log")).content.decode()
    assert '<option value="admin.">后台操作（全部）</option>' in page
    assert '<option value="reviews.ballot.submit">' in page  # in the code, not yet in the log
    admin_only = client.get(reverse("audit_log"), {"action": "admin."})
    assert {e.action for e in admin_only.context["events"]} == {
        "admin.ranklevel.add",
        "admin.ranklevel.change",
    }


@pytest.mark.parametrize(
    "cursor", ["", "abc", "1-", "-1", "１２-３", "9" * 30 + "-1", "1-" + "9" * 30]
)
def test_a_bad_cursor_shows_the_newest_page(
    world: World, client_as: Callable[[str], Client], cursor: str
) -> None:
    client = client_as("region_admin")
    newest = [e.pk for e in client.get(reverse("audit_log")).context["events"]]
    for key in ("before", "after"):
        response = client.get(reverse("audit_log"), {key: cursor})
        assert response.status_code == 200
        assert [e.pk for e in response.context["events"]] == newest


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
