"""Item 16: two proposal pages opened on the same state; the later save never
silently reverts what the earlier one saved."""

from __future__ import annotations

import threading
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from kaohe.accounts.models import User
from kaohe.core.errors import ApplicationError
from kaohe.scoring import services
from kaohe.scoring.models import QuarterResult, QuarterRun
from kaohe.testing import World

pytestmark = pytest.mark.django_db


class FormFields(HTMLParser):
    """The fields a browser would post from the page's form, as the page showed them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") != "submit":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def open_page(client: Client, url: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(client.get(url).content.decode())
    return parser.fields


def test_eight_proposers_from_one_state_keep_all_eight_changes(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    url = reverse("scoring:proposal", args=[graded.pk, big.bureau.pk])
    rows = list(graded.results.filter(unit=big.bureau).exclude(computed_grade="").order_by("pk"))[
        :8
    ]
    assert len(rows) == 8
    clients = [client_as("unit_head" if i % 2 else "region_admin") for i in range(8)]
    pages = [open_page(c, url) for c in clients]  # every page opened before any save
    for client, page, row in zip(clients, pages, rows, strict=True):
        page[f"grade_{row.pk}"] = "poor"
        page[f"reason_{row.pk}"] = "本季度受到通报批评"
        response = client.post(url, page)
        assert response.status_code == 302, response.content.decode()
    kept = QuarterResult.objects.filter(pk__in=[r.pk for r in rows], grade="poor").count()
    assert kept == 8


def test_a_second_change_of_the_same_row_from_a_stale_page_is_refused_in_chinese(
    big: World, graded: QuarterRun, client_as: Callable[[str], Client]
) -> None:
    url = reverse("scoring:proposal", args=[graded.pk, big.bureau.pk])
    row = graded.results.filter(unit=big.bureau, grade="fairly_good").order_by("pk").first()
    assert row is not None
    first, second = client_as("unit_head"), client_as("region_admin")
    first_page, second_page = open_page(first, url), open_page(second, url)

    first_page[f"grade_{row.pk}"] = "poor"
    first_page[f"reason_{row.pk}"] = "本季度受到通报批评"
    assert first.post(url, first_page).status_code == 302

    second_page[f"grade_{row.pk}"] = "average"
    second_page[f"reason_{row.pk}"] = "完成任务一般"
    response = second.post(url, second_page, follow=True)
    page = response.content.decode()
    assert "在您打开本页期间，其他人已调整了" in page and row.person.name in page
    row.refresh_from_db()
    assert (row.grade, row.change_reason) == ("poor", "本季度受到通报批评")


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_from_one_shown_state_keep_one_and_refuse_the_other(
    big: World, graded: QuarterRun
) -> None:
    """Both proposers read the row as shown, then save at once: whichever commits
    second finds the row changed under its page and is refused, never overwrites."""
    row = graded.results.filter(unit=big.bureau, grade="fairly_good").order_by("pk").first()
    assert row is not None
    shown = {row.pk: (row.grade, row.change_reason)}
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def propose(persona: str, grade: str, reason: str) -> None:
        try:
            actor = User.objects.get(username=persona)
            run = QuarterRun.objects.get(pk=graded.pk)
            barrier.wait()
            services.quarter_propose(
                actor=actor, run=run, changes={row.pk: (grade, reason)}, shown=shown
            )
            outcomes[persona] = "saved"
        except ApplicationError as exc:
            outcomes[persona] = exc.message
        finally:
            connection.close()

    threads = [
        threading.Thread(target=propose, args=("unit_head", "poor", "本季度受到通报批评")),
        threading.Thread(target=propose, args=("region_admin", "average", "完成任务一般")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["region_admin", "unit_head"]
    saved = [p for p, outcome in outcomes.items() if outcome == "saved"]
    assert len(saved) == 1, outcomes
    refused = outcomes["region_admin" if saved == ["unit_head"] else "unit_head"]
    assert "在您打开本页期间，其他人已调整了" in refused
    row.refresh_from_db()
    assert row.grade == ("poor" if saved == ["unit_head"] else "average")
