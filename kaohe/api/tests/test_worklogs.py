"""/api/logs: the user's day, writing a day's log and the feed, scoped as their pages."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings

from kaohe.api.tests.helpers import count_queries
from kaohe.testing import World
from kaohe.worklogs.errors import WorklogErrorCode
from kaohe.worklogs.models import LogComment, LogRead, Timeliness, WorkLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]
TODAY = dt.date(2026, 3, 16)  # a Monday
TEXT = "上午参加全局工作例会，下午审核就业补贴申报材料12份。"


@pytest.fixture
def today() -> Any:
    with override_settings(KAOHE_TODAY=TODAY):
        yield


def _log(world: World, key: str, day: dt.date, notes: bool = False) -> WorkLog:
    person = world.people[key]
    log = WorkLog.objects.create(
        region=world.region,
        person=person,
        unit=person.memberships.get().unit,
        day=day,
        content=f"{TEXT}{day}",
        timeliness=Timeliness.BACKFILLED if day < TODAY else Timeliness.ON_TIME,
    )
    if notes:  # read and commented on by the unit's head
        LogRead.objects.create(log=log, reader=world.users["unit_head"])
        LogComment.objects.create(log=log, author=world.users["unit_head"], content="好")
    return log


def _post(client: Client, day: str, content: str) -> Any:
    return client.post(
        f"/api/logs/{day}", json.dumps({"content": content}), content_type="application/json"
    )


def test_today_is_the_users_day_with_their_recent_logs(
    world: World, client_as: Callable[[str], Client]
) -> None:
    _log(world, "cadre", TODAY - dt.timedelta(days=3), notes=True)  # Friday
    body = client_as("cadre").get("/api/logs/today").json()
    assert body["day"] == TODAY.isoformat()
    assert body["state"] == "open" and body["state_label"] == "可补写" and body["writable"]
    assert body["content"] == ""
    assert TODAY.isoformat() in [d["day"] for d in body["open_days"]]
    [recent] = body["recent"]
    assert recent["timeliness_label"] == "补写" and recent["unit"] == world.bureau.name
    assert recent["readers"] == ["王建国"]
    assert recent["comments"] == [{"author": "王建国", "text": "好"}]


def test_today_answers_only_a_logged_in_user_and_nothing_for_an_account_without_logs(
    client_as: Callable[[str], Client],
) -> None:
    assert client_as("public").get("/api/logs/today").status_code == 401
    body = client_as("region_admin").get("/api/logs/today").json()
    assert body["state"] is None and body["recent"] == [] and not body["writable"]


def test_today_reads_the_same_queries_for_more_logs_reads_and_comments(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("cadre")
    _log(world, "cadre", dt.date(2026, 3, 13), notes=True)
    one = count_queries(client, "/api/logs/today")
    for day in range(2, 13):
        _log(world, "cadre", dt.date(2026, 3, day), notes=True)
    assert count_queries(client, "/api/logs/today") == one


def test_writing_a_day_saves_it_through_the_service(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("cadre")
    response = _post(client, TODAY.isoformat(), TEXT)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["timeliness"] == "on_time" and body["timeliness_label"] == "按时"
    assert body["content"] == TEXT and body["revision_count"] == 0
    edited = _post(client, TODAY.isoformat(), TEXT + "（补充）").json()
    assert edited["id"] == body["id"] and edited["revision_count"] == 1
    assert client.get("/api/logs/today").json()["content"] == TEXT + "（补充）"


@pytest.mark.parametrize(
    ("day", "content", "code"),
    [
        ("2026-02-02", TEXT, WorklogErrorCode.DAY_CLOSED),  # weeks past its deadline
        (TODAY.isoformat(), "   ", WorklogErrorCode.TEXT_EMPTY),
        ("2026-03-17", TEXT, WorklogErrorCode.DAY_IN_FUTURE),
        ("2026-03-15", TEXT, WorklogErrorCode.NOT_WORKING_DAY),  # a Sunday
    ],
)
def test_a_refused_log_answers_its_code_message_and_problems(
    client_as: Callable[[str], Client], day: str, content: str, code: str
) -> None:
    response = _post(client_as("cadre"), day, content)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "problems"}
    assert body["code"] == code and body["problems"] == [body["message"]]
    assert not WorkLog.objects.exists()


def test_writing_is_refused_to_an_account_without_a_person_and_to_a_stranger(
    client_as: Callable[[str], Client],
) -> None:
    response = _post(client_as("region_admin"), TODAY.isoformat(), TEXT)
    assert response.status_code == 400 and response.json()["code"] == WorklogErrorCode.NO_PERSON
    assert _post(client_as("public"), TODAY.isoformat(), TEXT).status_code == 401
    # Days no page accepts, and what is no day, are not found / not valid.
    assert _post(client_as("cadre"), "1900-01-01", TEXT).status_code == 404
    assert _post(client_as("cadre"), "2026-02-30", TEXT).status_code == 422
    assert not WorkLog.objects.exists()


def test_writing_needs_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["cadre"])
    assert _post(client, TODAY.isoformat(), TEXT).status_code == 403
    assert not WorkLog.objects.exists()


def test_the_feed_lists_the_logs_the_user_may_read(
    world: World, client_as: Callable[[str], Client]
) -> None:
    mine = _log(world, "cadre", dt.date(2026, 3, 13), notes=True)
    town = _log(world, "town_cadre", dt.date(2026, 3, 13))
    head = client_as("unit_head").get("/api/logs/feed").json()
    [item] = head["items"]
    assert item["id"] == mine.pk and item["person"] == "张小明" and item["read_by_me"]
    assert item["can_comment"] and not item["mine"] and item["timeliness_label"] == "补写"
    assert item["comments"] == [{"author": "王建国", "text": "好"}]
    assert head["older"] is None
    # The town's cadre reads their own log only; the bureau's is outside their scope.
    other = client_as("cadre_other").get("/api/logs/feed").json()
    assert [i["id"] for i in other["items"]] == [town.pk] and other["items"][0]["mine"]
    assert client_as("public").get("/api/logs/feed").status_code == 401


def test_the_feed_pages_by_keyset(world: World, client_as: Callable[[str], Client]) -> None:
    days = [TODAY - dt.timedelta(days=n) for n in range(1, 60)]
    logs = [_log(world, "cadre", day) for day in days if day >= dt.date(2026, 1, 1)]
    client = client_as("unit_head")
    first = client.get("/api/logs/feed").json()
    assert [i["id"] for i in first["items"]] == [log.pk for log in logs[:20]]
    second = client.get("/api/logs/feed", {"before": first["older"]}).json()
    assert [i["id"] for i in second["items"]] == [log.pk for log in logs[20:40]]


def test_the_feed_reads_the_same_queries_for_more_logs(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_head")
    _log(world, "cadre", dt.date(2026, 3, 13), notes=True)
    one = count_queries(client, "/api/logs/feed")
    for day in range(2, 13):
        _log(world, "cadre", dt.date(2026, 3, day), notes=True)
        _log(world, "team", dt.date(2026, 3, day), notes=True)
    assert count_queries(client, "/api/logs/feed") == one
