"""Attacks on the outcomes pages other than the lists (the archive, the forms, the
consequences): oversize text, bad days, forged posts. Never a 500, nothing
half-written, a Chinese refusal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.outcomes.models import ConsequenceKind, ConsequenceState, ConsequenceTask
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def _task(world: World) -> ConsequenceTask:
    return ConsequenceTask.objects.create(
        region=world.region,
        person=world.people["cadre"],
        year=2026,
        quarter=1,
        kind=ConsequenceKind.QUARTER_TALK,
        citation="第一季度考核等次为较差",
        unit=world.bureau,
        owner_role="unit_head",
        issued_on=dt.date(2026, 4, 20),
        due_on=dt.date(2026, 5, 20),
    )


def test_an_oversize_consequence_note_is_refused_not_cut(
    world: World, client_as: Callable[[str], Client]
) -> None:
    """A note past the column's 500 characters was stored cut, the task marked done."""
    task = _task(world)
    url = reverse("outcomes:consequence", args=[task.pk])
    client = client_as("unit_head")
    response = client.post(url, {"done_on": "2026-11-01", "note": "谈" * 501})
    assert response.status_code == 400
    assert "请删减 1 个字" in response.content.decode()
    task.refresh_from_db()
    assert task.state == ConsequenceState.OPEN and task.note == ""
    assert client.post(url, {"done_on": "2026-11-01", "note": "谈" * 500}).status_code == 302
    task.refresh_from_db()
    assert task.state == ConsequenceState.DONE and task.note == "谈" * 500
