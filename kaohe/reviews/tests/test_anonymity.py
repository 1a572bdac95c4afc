"""After a round closes, nothing links a rater to a value: tables, audit log, pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from kaohe.accounts.models import User
from kaohe.core.models import AuditEvent
from kaohe.org.models import Person
from kaohe.reviews import services
from kaohe.reviews.models import (
    DraftBallot,
    Participation,
    ReviewRound,
    RoundUnit,
    Score,
)
from kaohe.reviews.tests.fixtures import bureau_unit
from kaohe.testing import World

pytestmark = pytest.mark.django_db
RATERS = ["B00", "B01", "B02", "B03", "B04", "B05", "B06", "unit_head", "team_member"]


def vote_all(world: World, round_: ReviewRound) -> dict[str, dict[int, int]]:
    """Every rater gives a ballot of their own; returns {username: {target id: value}}."""
    ru = bureau_unit(round_, world)
    given: dict[str, dict[int, int]] = {}
    for i, key in enumerate(RATERS):
        user = world.users[key]
        sheet = services.ballot_sheet(rater=user.person, round_unit=ru)  # type: ignore[arg-type]
        assert sheet is not None
        values = {p.pk: 60 + (i * 3 + j) % 29 for j, p in enumerate(sheet.targets)}
        services.ballot_save_draft(
            actor=user, round_unit=ru, values={str(k): v for k, v in values.items()}
        )
        services.ballot_submit(
            actor=user, round_unit=ru, values={str(k): v for k, v in values.items()}
        )
        given[key] = values
    return given


def _plain_values(obj: models.Model) -> list[Any]:
    """A row's non-key values, with JSON opened up, as ints where they are numbers."""
    out: list[Any] = []
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.is_relation:
            continue
        value = getattr(obj, field.attname)
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, list | tuple):
                stack.extend(item)
            elif isinstance(item, int | str) and not isinstance(item, bool):
                out.append(item)
    return out


def _refers_to(obj: models.Model, person: Person, user: User) -> bool:
    for field in obj._meta.concrete_fields:
        if not field.is_relation or field.name == "target":
            continue
        target = field.related_model
        value = getattr(obj, field.attname)
        if (target is Person and value == person.pk) or (target is User and value == user.pk):
            return True
    return False


def test_no_row_of_any_table_links_a_rater_to_a_value(big: World, q1: ReviewRound) -> None:
    given = vote_all(big, q1)
    services.round_close(actor=big.users["region_admin"], round_=q1)
    assert not DraftBallot.objects.exists()
    for model in apps.get_models():
        for row in model._default_manager.all():
            for key, values in given.items():
                user = big.users[key]
                if not _refers_to(row, user.person, user):  # type: ignore[arg-type]
                    continue
                leaked = {v for v in _plain_values(row) if v in set(values.values())}
                assert not leaked, (model.__name__, key, leaked)
    # No single score outlives the close: only each result's tallies per group remain.
    assert not Score.objects.filter(round=q1).exists()
    # The score table has no column that could hold a rater, a user or a time.
    score_fields = {f.name for f in Score._meta.concrete_fields}
    assert score_fields == {"id", "round", "unit", "target", "rater_group", "dimension", "value"}
    assert {f.name for f in Participation._meta.concrete_fields} == {
        "id",
        "round",
        "unit",
        "rater",
        "submitted_at",
    }
    for event in AuditEvent.objects.filter(action="reviews.ballot.submit"):
        assert event.details == {"unit": big.bureau.pk}


def test_no_page_shows_a_rater_with_a_value(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    given = vote_all(big, q1)
    admin = client_as("region_admin")
    services.round_close(actor=big.users["region_admin"], round_=q1)
    pages = [
        reverse("reviews:round", args=[q1.pk]),
        reverse("reviews:results", args=[q1.pk, big.bureau.pk]),
        reverse("reviews:raters", args=[q1.pk, big.bureau.pk]),
        reverse("audit_log"),
    ]
    for url in pages:
        html = admin.get(url).content.decode()
        # Means have two decimals; a raw single score would show as a bare integer cell.
        for values in given.values():
            for value in values.values():
                assert f"<td>{value}</td>" not in html, (url, value)
    results = admin.get(reverse("reviews:results", args=[q1.pk, big.bureau.pk])).content.decode()
    assert "＊" in results  # the single leader's score is hidden, and a second group with it


def test_progress_lists_who_has_not_voted_and_no_values(
    big: World, q1: ReviewRound, client_as: Callable[[str], Client]
) -> None:
    ru = bureau_unit(q1, big)
    sheet = services.ballot_sheet(rater=big.people["b0"], round_unit=ru)
    assert sheet is not None
    services.ballot_submit(
        actor=big.users["B00"],
        round_unit=ru,
        values={str(p.pk): 71 + i % 5 for i, p in enumerate(sheet.targets)},
    )
    html = client_as("region_admin").get(reverse("reviews:round", args=[q1.pk])).content.decode()
    assert "1 / 12" in html and "吴刚" in html  # B01 has not voted
    row = html[html.index("区人力资源和社会保障局</td>") :].split("</tr>")[0]
    assert "周敏" not in row  # B00 voted, so is not listed


def test_small_groups_are_suppressed_with_a_second_group(big: World, q1: ReviewRound) -> None:
    from kaohe.reviews.selectors import results

    vote_all(big, q1)
    services.round_close(actor=big.users["region_admin"], round_=q1)
    shown, _invalid = results(
        big.users["region_admin"], q1, RoundUnit.objects.get(round=q1, unit=big.bureau)
    )
    staff = next(r for r in shown if r.person.name == "周敏")
    by_label = {label: (count, mean) for label, count, mean in staff.groups}
    assert by_label["领导主评"][0] == 1 and by_label["领导主评"][1] is None  # one score: hidden
    assert by_label["同级互评"][0] == 1 and by_label["同级互评"][1] is None
    assert by_label["其他参评"][0] == 6 and by_label["其他参评"][1] is not None
