"""Invisible characters in free text: a log of twelve zero-width spaces passed the
10-character minimum, and bidi overrides were stored as typed.

Every service that takes free text checks it with kaohe.core.text: lengths count
what a reader sees, and zero-width, bidi and other format or control characters
are refused with a message that says which one and where.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from kaohe.core.errors import CoreErrorCode
from kaohe.schemes import services as scheme_services
from kaohe.schemes.models import SchemeComment, SchemeVersion, VersionState
from kaohe.scoring import services as scoring_services
from kaohe.scoring.models import PersonYearFlag
from kaohe.testing import World, refused
from kaohe.worklogs import services as worklog_services
from kaohe.worklogs.errors import WorklogErrorCode
from kaohe.worklogs.models import LogComment, Summary, SummaryKind, WorkLog
from kaohe.worklogs.rules import Period

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 4, 30)
TEXT = "上午整理就业补贴申报材料，下午到城关镇走访两家企业。"
ZWSP = "\u200b"
HIDDEN = [
    ("\u200b", "U+200B"),  # zero-width space
    ("\u200d", "U+200D"),  # zero-width joiner
    ("\u202e", "U+202E"),  # right-to-left override
    ("\u2066", "U+2066"),  # left-to-right isolate
    ("\ufeff", "U+FEFF"),  # byte-order mark
    ("\u00ad", "U+00AD"),  # soft hyphen
    ("\x0b", "U+000B"),  # vertical tab, a C0 control that never passes the web edge
]


@pytest.fixture(autouse=True)
def _today(settings: Settings) -> None:
    settings.KAOHE_TODAY = TODAY


def test_twelve_zero_width_spaces_are_no_log(
    world: World, client_as: Callable[[str], Client]
) -> None:
    response = client_as("cadre").post(
        "/logs/today/", {"day": TODAY.isoformat(), "content": ZWSP * 12}, follow=True
    )
    assert response.status_code == 200
    assert "不可见字符" in response.content.decode()
    assert "U+200B" in response.content.decode()
    assert not WorkLog.objects.exists()


def test_the_minimum_counts_visible_characters_not_spaces(world: World) -> None:
    # Eleven characters long, six of them visible: short of the 10-character minimum.
    with refused(WorklogErrorCode.TEXT_TOO_SHORT) as caught:
        worklog_services.worklog_submit(
            actor=world.users["cadre"], day=TODAY, content="走 访 了 企 业 。", today=TODAY
        )
    assert "6" in caught.value.message and "10" in caught.value.message
    assert not WorkLog.objects.exists()


def _log(world: World) -> WorkLog:
    return worklog_services.worklog_submit(
        actor=world.users["cadre"], day=TODAY, content=TEXT, today=TODAY
    )


def _submit_log(world: World, text: str) -> None:
    worklog_services.worklog_submit(
        actor=world.users["cadre"], day=TODAY, content=text, today=TODAY
    )


def _summary(world: World, text: str) -> None:
    worklog_services.summary_submit(
        actor=world.users["cadre"],
        kind=SummaryKind.QUARTERLY,
        period=Period(2026, 1),
        content=text * 4,
        today=TODAY,
    )


def _comment(world: World, text: str) -> None:
    worklog_services.log_comment(actor=world.users["unit_head"], log=_log(world), content=text)


def _flag(world: World, text: str) -> None:
    scoring_services.flag_record(
        actor=world.users["region_admin"],
        person_id=world.people["cadre"].pk,
        year=2026,
        kind=PersonYearFlag.Kind.values[0],
        reason=text,
    )


def _scheme_return(world: World, text: str, drafted: SchemeVersion) -> None:
    SchemeVersion.objects.filter(pk=drafted.pk).update(state=VersionState.SUBMITTED)
    drafted.refresh_from_db()
    scheme_services.version_return(
        actor=world.users["region_admin"], version=drafted, comment=text, indicator_comments={}
    )


SERVICES: dict[str, Callable[..., None]] = {
    "log": _submit_log,
    "summary": _summary,
    "comment": _comment,
    "flag reason": _flag,
}


@pytest.mark.parametrize(("char", "code"), HIDDEN)
@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_free_text_service_refuses_invisible_characters(
    world: World, service: str, char: str, code: str
) -> None:
    text = TEXT[:5] + char + TEXT[5:]
    with refused(CoreErrorCode.INVISIBLE_CHARACTERS) as caught:
        SERVICES[service](world, text)
    assert code in caught.value.message and "第 6 个字符" in caught.value.message
    assert not Summary.objects.exists() and not LogComment.objects.exists()
    assert not PersonYearFlag.objects.exists()


def test_a_scheme_return_comment_with_a_bidi_override_is_refused(
    world: World, drafted: SchemeVersion
) -> None:
    with refused(CoreErrorCode.INVISIBLE_CHARACTERS) as caught:
        _scheme_return(world, "请修改‮权重", drafted)
    assert "U+202E" in caught.value.message
    assert not SchemeComment.objects.exists()
    drafted.refresh_from_db()
    assert drafted.state == VersionState.SUBMITTED
