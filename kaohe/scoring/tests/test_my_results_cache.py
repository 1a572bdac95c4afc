"""My results and their explanations are cached per user: every write that changes
them is seen on the next read (publish, reopen, receipt), and nobody reads another's."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.core.audit_actions import AuditAction
from kaohe.scoring import guards, services
from kaohe.scoring.models import AnnualResult, QuarterResult, RunState
from kaohe.scoring.tests.test_exports import annual_run, quarter_run
from kaohe.testing import World, publicity_not_required

pytestmark = pytest.mark.django_db


def mine(client: Client) -> str:
    return client.get(reverse("scoring:mine")).content.decode()


def test_a_quarter_published_is_listed_on_the_next_read(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("cadre")
    assert "尚无公布的结果" in mine(client)
    run = quarter_run(world, state=RunState.CONFIRMED)
    services.quarter_publish(
        actor=world.users["region_admin"], run=run, confirmation=guards.publish_token(run)
    )
    assert "2026年第1季度" in mine(client)


def test_a_year_published_is_listed_on_the_next_read(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_head")
    assert "尚无公布的结果" in mine(client)
    run = annual_run(world, staff=2, state=RunState.CONFIRMED)
    publicity_not_required(world.region)  # about the cache, not the 公示
    services.annual_publish(
        actor=world.users["region_admin"], run=run, confirmation=guards.publish_token(run)
    )
    assert "同职级层次第 1 名 / 共 2 人" in mine(client)


def test_a_superseded_run_leaves_the_list_and_its_explanation_on_the_next_read(
    world: World, client_as: Callable[[str], Client]
) -> None:
    run = quarter_run(world, state=RunState.PUBLISHED)
    result = QuarterResult.objects.get(run=run, person=world.people["cadre"])
    url = reverse("scoring:explanation", args=["quarter", result.pk])
    client = client_as("cadre")
    assert url in mine(client) and client.get(url).status_code == 200
    # The shared half of both reopens (quarter_reopen, annual_reopen).
    services._supersede(
        world.users["region_admin"], run, "补录指标结果", AuditAction.SCORING_QUARTER_REOPEN
    )
    assert url not in mine(client)
    assert client.get(url).status_code == 404


def test_the_receipt_is_seen_on_the_next_read(
    world: World, client_as: Callable[[str], Client]
) -> None:
    run = annual_run(world, staff=2, state=RunState.PUBLISHED)
    result = AnnualResult.objects.get(run=run, person=world.people["head"])
    url = reverse("scoring:explanation", args=["year", result.pk])
    client = client_as("unit_head")
    assert "待确认" in mine(client) and "您已于" not in client.get(url).content.decode()
    client.post(reverse("scoring:receipt", args=["year", result.pk]))
    assert "待确认" not in mine(client)
    assert "您已于" in client.get(url).content.decode()


def test_a_unit_renamed_shows_its_new_name_in_the_explanation(
    world: World, client_as: Callable[[str], Client]
) -> None:
    run = quarter_run(world, state=RunState.PUBLISHED)
    result = QuarterResult.objects.get(run=run, person=world.people["cadre"])
    url = reverse("scoring:explanation", args=["quarter", result.pk])
    client = client_as("cadre")
    assert world.bureau.name in client.get(url).content.decode()
    world.bureau.name = "区人社局（新）"
    world.bureau.save(update_fields=["name"])
    assert "区人社局（新）" in client.get(url).content.decode()


def test_nobody_reads_another_users_results(
    world: World, client_as: Callable[[str], Client]
) -> None:
    run = quarter_run(world, state=RunState.PUBLISHED)
    theirs = QuarterResult.objects.get(run=run, person=world.people["cadre"])
    url = reverse("scoring:explanation", args=["quarter", theirs.pk])
    assert client_as("cadre").get(url).status_code == 200
    other = client_as("team_member")
    assert other.get(url).status_code == 404
    assert url not in mine(other)
