"""A NUL or other control character in a query string, a path or posted text.

On PostgreSQL a NUL reaching a query was a server error (`/logs/feed/?q=a%00b`,
`/audit/?actor=a%00b`); a NUL in a log was one too. One middleware refuses such
input before any view runs, with a Chinese page that says what to remove.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from kaohe.testing import World
from kaohe.worklogs.models import WorkLog

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 4, 30)
TEXT = "上午整理就业补贴申报材料，下午到城关镇走访两家企业。"


@pytest.fixture(autouse=True)
def _today(settings: Settings) -> None:
    settings.KAOHE_TODAY = TODAY


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("cadre", "/logs/feed/?q=a%00b"),
        ("region_admin", "/audit/?actor=a%00b"),
        ("region_admin", "/audit/?action=a%01b"),
        ("region_admin", "/logs/compliance/?sort=%1b[31m"),
        ("cadre", "/logs/feed/?q%00=a"),
        ("cadre", "/logs/feed%00/"),
    ],
)
def test_a_control_character_in_a_query_or_path_is_refused_in_chinese(
    client_as: Callable[[str], Client], persona: str, url: str
) -> None:
    response = client_as(persona).get(url)
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x1b", "\x7f", "\x85"])
def test_a_control_character_in_a_posted_log_is_refused_and_nothing_is_written(
    world: World, client_as: Callable[[str], Client], bad: str
) -> None:
    response = client_as("cadre").post(
        "/logs/today/", {"day": TODAY.isoformat(), "content": TEXT[:10] + bad + TEXT[10:]}
    )
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()
    assert not WorkLog.objects.exists()


def test_line_breaks_and_tabs_in_posted_text_pass_the_edge(
    world: World, client_as: Callable[[str], Client]
) -> None:
    text = "上午：\t整理就业补贴申报材料。\r\n下午：\t到城关镇走访两家企业。"
    response = client_as("cadre").post("/logs/today/", {"day": TODAY.isoformat(), "content": text})
    assert response.status_code == 302
    assert WorkLog.objects.get().content == text
