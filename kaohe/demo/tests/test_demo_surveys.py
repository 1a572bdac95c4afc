"""The demo county's public surveys: October's closed survey over nine units (one below
k), November's open one with unused codes, a window's open link, paper questionnaires
and comments waiting; the same every load, written once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from kaohe.core.models import AuditEvent
from kaohe.demo.org import PERSONA_UNIT, generate_demo
from kaohe.demo.supervision import generate_demo_ledger
from kaohe.demo.surveys import DemoSurveys, generate_demo_surveys
from kaohe.org.models import Region
from kaohe.surveys.models import (
    FAVOURABLE_FROM,
    Answer,
    Channel,
    Comment,
    CommentState,
    QuestionKind,
    Response,
    Survey,
    SurveyState,
    Target,
    Token,
)

YEAR = 2026
TODAY = dt.date(2026, 11, 20)
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(scope="module")
def loaded(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[tuple[Region, DemoSurveys]]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        transaction.atomic(),
    ):
        region_id = generate_demo(year=YEAR).region_id
        generate_demo_ledger(region_id=region_id, year=YEAR, today=TODAY)
        result = generate_demo_surveys(region_id=region_id, year=YEAR, today=TODAY)
        yield Region.objects.get(pk=region_id), result
        transaction.set_rollback(True)


def _favourable_share(unit_id: int, survey: Survey) -> float:
    answers = Answer.objects.filter(
        response__target__survey=survey,
        response__target__unit_id=unit_id,
        response__counted=True,
        question__kind=QuestionKind.SCALE5,
    )
    good = answers.filter(value__gte=FAVOURABLE_FROM[QuestionKind.SCALE5]).count()
    return 100 * good / answers.count()


@pytest.mark.django_db
def test_closed_october_and_open_november(loaded: tuple[Region, DemoSurveys]) -> None:
    region, result = loaded
    closed = Survey.objects.get(region=region, state=SurveyState.CLOSED)
    assert (closed.year, closed.month) == (2026, 10)
    counts = dict(
        Response.objects.filter(target__survey=closed, counted=True)
        .values("target__unit_id")
        .annotate(n=Count("pk"))
        .values_list("target__unit_id", "n")
    )
    assert len(counts) == 9
    assert sorted(counts.values())[0] == 5
    assert sum(1 for n in counts.values() if n >= 12) == 8
    shares = {u: _favourable_share(u, closed) for u, n in counts.items() if n >= 12}
    assert sum(1 for s in shares.values() if s < 60) >= 2
    assert sum(1 for s in shares.values() if s >= 80) >= 2
    home = Target.objects.filter(survey=closed, unit__name=PERSONA_UNIT).first()
    assert home is not None and counts[home.unit_id] >= 12
    assert not Response.objects.filter(target__survey=closed, counted=False).exists()
    released = Comment.objects.filter(response__target__survey=closed, state=CommentState.RELEASED)
    assert released.exists()
    assert not any("139" in c.released_text for c in released)

    opened = Survey.objects.get(region=region, state=SurveyState.OPEN)
    assert opened.opens_on <= TODAY <= opened.closes_on
    window = Target.objects.get(survey=opened, window="社保服务窗口")
    assert window.open_key
    household = Target.objects.get(survey=opened, window="")
    assert Token.objects.filter(target=household, used=False).count() == 20
    paper = Response.objects.filter(target__survey=opened, channel=Channel.PAPER, counted=False)
    assert paper.count() == result.pending_paper == 3
    assert all(r.entered_by is not None and r.entered_by.username == "unit_admin" for r in paper)
    assert result.pending_comments > 0
    assert AuditEvent.objects.filter(region=region, action="surveys.demo.load").count() == 1
    assert generate_demo_surveys(region_id=region.pk, year=YEAR, today=TODAY) == DemoSurveys()
