"""The feed writes its items in Python (worklogs.feed_html): the same markup as
worklogs/_log_item.html, which the other pages of logs still include."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from kaohe.accounts.models import User
from kaohe.testing import World
from kaohe.worklogs import selectors
from kaohe.worklogs.models import LogComment, LogRead, Timeliness, WorkLog

pytestmark = pytest.mark.django_db
D = dt.date


def normal(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


@pytest.fixture
def logs(world: World) -> list[WorkLog]:
    def write(key: str, day: int, text: str, timeliness: str = Timeliness.ON_TIME) -> WorkLog:
        person = world.people[key]
        return WorkLog.objects.create(
            region=world.region,
            person=person,
            unit=person.memberships.get().unit,
            day=D(2026, 3, day),
            content=text,
            timeliness=timeliness,
        )

    plain = write("cadre", 2, "走访企业<b>三家</b>")
    edited = write("centre_cadre", 3, "起草“文件” & 参加会议", Timeliness.BACKFILLED)
    edited.revision_count = 2
    edited.save(update_fields=["revision_count"])
    read = write("team", 4, "审核材料")
    LogRead.objects.create(log=read, reader=world.users["unit_head"])
    LogRead.objects.create(log=read, reader=world.users["region_admin"])  # no person
    LogComment.objects.create(log=read, author=world.users["unit_head"], content="好，<继续>")
    LogComment.objects.create(log=read, author=world.users["team_member"], content="收到")
    return [plain, edited, read]


@pytest.mark.parametrize("persona", ["unit_head", "team_member", "cadre"])
def test_the_feeds_items_are_the_markup_of_the_log_item_template(
    logs: list[WorkLog], client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    response = client.get(reverse("worklogs:feed"))
    page = response.content.decode()
    articles = re.findall(r'(<article class="log" id="log-(\d+)">.*?</article>)', page, re.S)
    user = User.objects.get(username=persona)
    shown = {int(pk): html for html, pk in articles}
    readable = [log for log in logs if log.pk in shown]
    assert readable, persona
    for log in readable:
        expected = render_to_string(
            "worklogs/_log_item.html",
            {
                "log": log,
                "item": selectors.log_items(user, [log])[0],
                "leader_unit_ids": selectors.units_led(user, [log.unit]),
                "user": user,
            },
            request=response.wsgi_request,
        )
        assert normal(shown[log.pk]) == normal(expected), (persona, log.content)
