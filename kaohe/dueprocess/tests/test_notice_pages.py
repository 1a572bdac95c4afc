"""The cadre's notice page and PDF, signing it with 本人意见, the overdue unsigned
notices on the units' task lists, the entry points, and the archive's section."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader
from pytest_django.fixtures import Settings

from kaohe.core import clock
from kaohe.core.audit_actions import AuditAction
from kaohe.core.models import AuditEvent
from kaohe.dueprocess import services
from kaohe.dueprocess.errors import DueProcessErrorCode
from kaohe.dueprocess.models import Notice
from kaohe.dueprocess.tests.notice_helpers import issued, notice_of
from kaohe.pages.todo import tasks_for
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]


def url(notice: Notice, pdf: bool = False) -> str:
    return reverse("dueprocess:notice_pdf" if pdf else "dueprocess:notice", args=[notice.pk])


@pytest.mark.parametrize(
    ("persona", "whose", "status"),
    [
        ("cadre", "cadre", 200),  # their own
        ("cadre", "team", 404),  # a colleague's
        ("cadre_other", "cadre", 404),
        ("unit_head", "cadre", 200),  # a leader, within their scope
        ("team_member", "cadre", 200),
        ("unit_head", "town_cadre", 404),  # outside it
        ("region_admin", "town_cadre", 200),  # the office, the whole region
        ("other_admin", "cadre", 404),  # another region's office
        ("supervisor", "town_cadre", 404),
    ],
)
def test_each_persona_reads_the_notice_within_scope(
    world: World, client_as: Clients, persona: str, whose: str, status: int
) -> None:
    issued(world)
    notice = notice_of(world, whose)
    client = client_as(persona)
    assert client.get(url(notice)).status_code == status
    assert client.get(url(notice, pdf=True)).status_code == status


def test_an_unknown_notice_is_404(world: World, client_as: Clients) -> None:
    assert client_as("cadre").get(reverse("dueprocess:notice", args=[999999])).status_code == 404


def test_the_page_shows_the_result_the_rights_and_the_days_left(
    world: World, client_as: Clients
) -> None:
    issued(world)
    notice = notice_of(world, "cadre")
    body = client_as("cadre").get(url(notice)).content.decode()
    due = notice.review_due_on
    assert due is not None
    assert "张小明" in body and "优秀" in body and "88.50" in body
    assert f"可在{due.year}年{due.month}月{due.day}日前申请复核" in body
    assert "收到复核决定之日起15日内提出申诉" in body
    assert "距签收期限还有" in body and "距申请复核期限还有" in body
    assert 'id="sign-form"' in body
    # A leader reads it but does not sign it.
    assert 'id="sign-form"' not in client_as("unit_head").get(url(notice)).content.decode()


def test_the_pdf_has_the_name_the_grade_and_the_review_deadline(
    world: World, client_as: Clients
) -> None:
    issued(world)
    notice = notice_of(world, "cadre")
    response = client_as("cadre").get(url(notice, pdf=True))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    due = notice.review_due_on
    assert due is not None
    assert "张小明" in text and "优秀" in text
    assert f"{due.year}年{due.month}月{due.day}日" in text


def test_the_cadre_agrees_and_cannot_sign_twice(world: World, client_as: Clients) -> None:
    issued(world)
    notice = notice_of(world, "cadre")
    client = client_as("cadre")
    response = client.post(url(notice), {"agrees": "yes", "opinion": ""})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.agrees is True and notice.signed_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.DUEPROCESS_NOTICE_SIGN).count() == 1
    body = client.get(url(notice)).content.decode()
    assert 'id="signature"' in body and "同意" in body and 'id="sign-form"' not in body
    with refused(DueProcessErrorCode.NOTICE_ALREADY_SIGNED):
        services.notice_sign(actor=world.users["cadre"], notice=notice, agrees=False, opinion="x")
    # Posted again (a second tab): refused in Chinese, nothing changes.
    again = client.post(url(notice), {"agrees": "no", "opinion": "不服"}, follow=True)
    assert "不能重复签收" in again.content.decode()
    notice.refresh_from_db()
    assert notice.agrees is True and notice.opinion == ""


def test_disagreeing_needs_a_text(world: World, client_as: Clients) -> None:
    issued(world)
    notice = notice_of(world, "cadre")
    cadre = world.users["cadre"]
    with refused(DueProcessErrorCode.TEXT_REQUIRED):
        services.notice_sign(actor=cadre, notice=notice, agrees=False, opinion="  ")
    body = client_as("cadre").post(url(notice), {"agrees": "no", "opinion": ""}).content.decode()
    assert "请填写本人意见" in body
    body = client_as("cadre").post(url(notice), {"opinion": ""}).content.decode()
    assert "请选择是否同意考核结果" in body
    services.notice_sign(actor=cadre, notice=notice, agrees=False, opinion="民主测评票数有误")
    notice.refresh_from_db()
    assert notice.agrees is False and notice.opinion == "民主测评票数有误"
    body = client_as("cadre").get(url(notice)).content.decode()
    assert "不同意" in body and "民主测评票数有误" in body


def test_only_the_cadre_signs(world: World) -> None:
    issued(world)
    notice = notice_of(world, "cadre")
    with refused(DueProcessErrorCode.NOTICE_NOT_YOURS):
        services.notice_sign(actor=world.users["unit_head"], notice=notice, agrees=True, opinion="")


def test_overdue_unsigned_notices_are_on_the_units_task_list_until_signed(
    world: World, client_as: Clients, settings: Settings
) -> None:
    issued(world)
    notice = notice_of(world, "cadre")
    head, admin = world.users["unit_head"], world.users["unit_admin"]
    assert not [t for t in tasks_for(head, clock.today()) if t.kind == "notice_overdue"]
    settings.KAOHE_TODAY = notice.sign_due_on + dt.timedelta(days=1)
    today = clock.today()
    for user in (head, admin, world.users["region_admin"]):
        task = next(t for t in tasks_for(user, today) if t.kind == "notice_overdue")
        assert "张小明" in task.text and task.overdue
    # The head's units are the bureau's: the town's cadre is not theirs.
    task = next(t for t in tasks_for(head, today) if t.kind == "notice_overdue")
    assert "赵磊" not in task.text and task.text.startswith("3份")
    page = client_as("unit_head").get(reverse("dueprocess:notices_overdue")).content.decode()
    assert "张小明" in page and "赵磊" not in page
    assert client_as("cadre").get(reverse("dueprocess:notices_overdue")).status_code == 404
    for key in ("cadre", "head", "team"):
        person_notice = notice_of(world, key)
        person = world.people[key]
        user = next(u for u in world.users.values() if u.person_id == person.pk)
        services.notice_sign(actor=user, notice=person_notice, agrees=True, opinion="")
    assert not [t for t in tasks_for(head, today) if t.kind == "notice_overdue"]


def test_the_overdue_page_reads_the_same_queries_at_two_sizes(
    world: World, client_as: Clients, settings: Settings
) -> None:
    issued(world, year=2025)
    client = client_as("unit_head")
    issued_on = clock.today()
    late = notice_of(world, "cadre", 2025).sign_due_on + dt.timedelta(days=1)
    settings.KAOHE_TODAY = late
    page = reverse("dueprocess:notices_overdue")
    client.get(page)
    with CaptureQueriesContext(connection) as few:
        assert client.get(page).status_code == 200
    settings.KAOHE_TODAY = issued_on
    issued(world, year=2026, extra=30)
    settings.KAOHE_TODAY = late
    with CaptureQueriesContext(connection) as many:
        body = client.get(page).content.decode()
    assert "N新人29" in body
    assert len(few) == len(many)


def test_the_results_page_and_home_link_the_notice_while_unsigned(
    world: World, client_as: Clients
) -> None:
    issued(world)
    notice = notice_of(world, "cadre")
    client = client_as("cadre")
    mine = client.get(reverse("scoring:mine")).content.decode()
    assert url(notice) in mine and "2026年度考核结果通知书" in mine and "待签收" in mine
    home = client.get(reverse("home")).content.decode()
    assert url(notice) in home and "2026年度考核结果通知书 — 待签收" in home
    services.notice_sign(actor=world.users["cadre"], notice=notice, agrees=True, opinion="")
    home = client.get(reverse("home")).content.decode()
    assert "待签收" not in home
    assert "已签收" in client.get(reverse("scoring:mine")).content.decode()
    # The reminder's link leads to the only notice.
    response = client.get(reverse("dueprocess:notice_mine"))
    assert response.status_code == 302 and response["Location"] == url(notice)


def test_the_archive_shows_the_notice_and_the_opinion(world: World, client_as: Clients) -> None:
    issued(world)
    notice = notice_of(world, "cadre")
    services.notice_sign(
        actor=world.users["cadre"], notice=notice, agrees=False, opinion="民主测评票数有误"
    )
    person = world.people["cadre"]
    client = client_as("cadre")
    page = client.get(reverse("outcomes:archive", args=[person.pk, 2026])).content.decode()
    assert "书面通知与本人意见" in page and "不同意" in page and "民主测评票数有误" in page
    pdf = client.get(reverse("outcomes:archive_pdf", args=[person.pk, 2026])).content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "书面通知与本人意见" in text and "民主测评票数有误" in text


def test_a_superseded_notice_is_not_signed(world: World, client_as: Clients) -> None:
    run = issued(world)
    old = notice_of(world, "cadre")
    services.notices_issue(actor=None, run=run)  # published again
    old.refresh_from_db()
    assert old.superseded_by_id is not None
    with refused(DueProcessErrorCode.NOTICE_SUPERSEDED):
        services.notice_sign(actor=world.users["cadre"], notice=old, agrees=True, opinion="")
    body = client_as("cadre").get(url(old)).content.decode()
    assert 'id="superseded"' in body and 'id="sign-form"' not in body
