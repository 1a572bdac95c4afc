"""Which version of a scheme governs a quarter, and what approving a revision does to
results already entered: a revision applies from the quarter in which it is approved,
carries that quarter's entries over by indicator key, and leaves earlier quarters
exactly as they were entered (so recomputing them gives the same result)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from kaohe.core.models import AuditEvent
from kaohe.schemes import entry, services
from kaohe.schemes.models import Indicator, IndicatorResult, SchemeVersion, VersionState
from kaohe.schemes.selectors import (
    in_force,
    published_templates,
    versions_in_force,
    versions_in_force_many,
)
from kaohe.scoring.indicators import indicator_parts
from kaohe.scoring.inputs import members_on
from kaohe.testing import World
from kaohe.worklogs.rules import Period

pytestmark = pytest.mark.django_db
Q1, Q2, Q3 = Period(2026, 1), Period(2026, 2), Period(2026, 3)


def approve_on(world: World, version: SchemeVersion, day: dt.date) -> None:
    with override_settings(KAOHE_TODAY=day):
        if version.scheme.role == version.scheme.Role.UNIT and version.editable:
            services.version_submit(actor=world.users["unit_admin"], version=version)
        services.version_approve(actor=world.users["region_admin"], version=version)
    version.refresh_from_db()


def cell(grid: entry.Grid, name: str, indicator: str) -> tuple[int, int]:
    column = next(c for c in grid.columns if c.indicator.name == indicator)
    person = next(p for p in grid.people if p.name == name)
    return (person.pk, column.indicator.pk)


def save(world: World, period: Period, cells: dict[tuple[str, str], str]) -> None:
    with override_settings(KAOHE_TODAY=dt.date(2026, 9, 30)):
        grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, period)
        entry.results_save(
            actor=world.users["unit_admin"],
            grid=grid,
            cells={cell(grid, n, i): v for (n, i), v in cells.items()},
        )


def grid_value(world: World, period: Period, name: str, indicator: str) -> str:
    with override_settings(KAOHE_TODAY=dt.date(2026, 9, 30)):
        grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, period)
    return grid.cells.get(cell(grid, name, indicator), "")


def test_the_rule_in_force() -> None:
    def version(number: int, approved_on: dt.date | None) -> SchemeVersion:
        return SchemeVersion(
            pk=number, number=number, state=VersionState.APPROVED, approved_on=approved_on
        )

    v1, v2 = version(1, dt.date(2026, 4, 10)), version(2, dt.date(2026, 8, 1))
    draft = SchemeVersion(pk=3, number=3, state=VersionState.DRAFT)
    # Approved after Q1 ended: the first approved version governs Q1 all the same.
    assert in_force([v2, v1, draft], Q1.end) == v1
    assert in_force([v1, v2, draft], Q2.end) == v1
    assert in_force([v1, v2, draft], Q3.end) == v2
    assert in_force([draft], Q3.end) is None
    # A version approved before this field existed counts as approved long ago.
    legacy = version(1, None)
    assert in_force([legacy, v2], Q2.end) == legacy


def test_a_revision_governs_from_its_quarter_and_carries_that_quarters_entries(
    world: World, drafted: SchemeVersion
) -> None:
    approve_on(world, drafted, dt.date(2026, 4, 10))
    save(world, Q1, {("张小明", "完成任务"): "27", ("张小明", "工作质量"): "18"})
    save(world, Q3, {("张小明", "完成任务"): "25"})
    period_members = members_on(world.region.pk, Q1.end)
    q1_before = indicator_parts(world.region.pk, period_members, Q1)
    q1_rows = set(IndicatorResult.objects.filter(quarter=1).values_list("pk", "indicator_id"))

    # The revision lowers 完成任务 to 28 points; approved in Q3.
    revision = services.version_new_draft(actor=world.users["unit_admin"], version=drafted)
    task = revision.indicators.get(name="完成任务")
    services.indicator_update(
        actor=world.users["unit_admin"], indicator=task, data={"max_points": "28"}
    )
    approve_on(world, revision, dt.date(2026, 8, 3))

    assert versions_in_force(world.bureau, Q1) == [drafted]
    assert versions_in_force(world.bureau, Q2) == [drafted]
    assert versions_in_force(world.bureau, Q3) == [revision]
    for period in (Q1, Q2, Q3):
        assert versions_in_force_many(world.region.pk, period)[world.bureau.pk] == (
            versions_in_force(world.bureau, period)
        )
    # Q1 is untouched: the same rows, the same indicators, the same roll-up.
    assert (
        set(IndicatorResult.objects.filter(quarter=1).values_list("pk", "indicator_id")) == q1_rows
    )
    assert indicator_parts(world.region.pk, period_members, Q1) == q1_before
    assert grid_value(world, Q1, "张小明", "完成任务") == "27"
    # Q3's entry moved onto the revision's indicator with the same key.
    q3 = IndicatorResult.objects.filter(quarter=3)
    assert q3.exists()
    assert set(q3.values_list("version_id", flat=True)) == {revision.pk}
    moved = q3.get(person__name="张小明", indicator__key=task.key)
    assert moved.version_id == revision.pk
    assert moved.indicator_id == task.pk
    assert grid_value(world, Q3, "张小明", "完成任务") == "25"
    event = AuditEvent.objects.filter(action="schemes.version.approve").latest("pk")
    assert event.details == {"results_moved": q3.count()}
    # Entering Q3 now writes against the revision; Q1 still against the first version.
    save(world, Q3, {("张小明", "完成任务"): "26"})
    assert q3.get(person__name="张小明", indicator=task).value == Decimal(26)
    assert not IndicatorResult.objects.filter(quarter=3, version=drafted).exists()


def test_a_version_approved_before_a_quarter_with_no_entries_moves_nothing(
    world: World, drafted: SchemeVersion
) -> None:
    approve_on(world, drafted, dt.date(2026, 1, 5))
    revision = services.version_new_draft(actor=world.users["unit_admin"], version=drafted)
    approve_on(world, revision, dt.date(2026, 2, 1))
    # Both approved within Q1: the later one governs the whole year.
    assert {versions_in_force(world.bureau, p)[0].pk for p in (Q1, Q2, Q3)} == {revision.pk}
    event = AuditEvent.objects.filter(action="schemes.version.approve").latest("pk")
    assert event.details == {}


def test_only_the_latest_published_version_of_a_template_is_offered(
    world: World, template: SchemeVersion
) -> None:
    revision = services.version_new_draft(actor=world.users["region_admin"], version=template)
    approve_on(world, revision, dt.date(2026, 2, 1))
    offered = list(published_templates(world.users["region_admin"]))
    assert offered == [revision]


def test_the_version_page_says_which_quarters_a_version_governs(
    world: World, drafted: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    approve_on(world, drafted, dt.date(2026, 4, 10))
    revision = services.version_new_draft(actor=world.users["unit_admin"], version=drafted)
    services.version_submit(actor=world.users["unit_admin"], version=revision)
    admin = client_as("region_admin")

    def page(version: SchemeVersion, day: dt.date) -> str:
        with override_settings(KAOHE_TODAY=day):
            url = reverse("schemes:version", args=[version.scheme_id, version.number])
            return admin.get(url).content.decode()

    under_review = page(revision, dt.date(2026, 8, 3))
    assert "若今日批准" in under_review
    assert "自批准起执行于2026年第3–4季度" in under_review
    approve_on(world, revision, dt.date(2026, 8, 3))
    assert "2026年第1–2季度" in page(drafted, dt.date(2026, 8, 3))
    assert "2026-04-10批准" in page(drafted, dt.date(2026, 8, 3))
    assert "2026年第3–4季度" in page(revision, dt.date(2026, 8, 3))


def test_a_grid_opened_before_an_approval_is_refused_and_the_moved_results_stay(
    world: World, drafted: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    approve_on(world, drafted, dt.date(2026, 4, 10))
    save(world, Q3, {("张小明", "完成任务"): "25"})
    url = reverse("schemes:entry", args=[world.bureau.pk, 2026, 3])
    client = client_as("unit_admin")
    with override_settings(KAOHE_TODAY=dt.date(2026, 9, 30)):
        stale = client.get(url).content.decode()
    assert f'name="versions" value="{drafted.pk}"' in stale
    old_task = by_name_in(drafted, "完成任务")
    person = world.people["cadre"]
    revision = services.version_new_draft(actor=world.users["unit_admin"], version=drafted)
    approve_on(world, revision, dt.date(2026, 8, 3))
    # The stale page names the old version's indicators; posting it saves nothing.
    with override_settings(KAOHE_TODAY=dt.date(2026, 9, 30)):
        response = client.post(
            url, {"versions": str(drafted.pk), f"c_{person.pk}_{old_task.pk}": ""}, follow=True
        )
    assert "新版本" in response.content.decode()
    assert grid_value(world, Q3, "张小明", "完成任务") == "25"
    # A cell the form does not send keeps its value; one sent empty is cleared.
    with override_settings(KAOHE_TODAY=dt.date(2026, 9, 30)):
        grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q3)
        entry.results_save(
            actor=world.users["unit_admin"],
            grid=grid,
            cells={cell(grid, "张小明", "工作质量"): "15"},
        )
    assert grid_value(world, Q3, "张小明", "完成任务") == "25"
    assert grid_value(world, Q3, "张小明", "工作质量") == "15"


def test_a_result_does_not_move_to_an_indicator_of_another_kind(
    world: World, drafted: SchemeVersion
) -> None:
    approve_on(world, drafted, dt.date(2026, 4, 10))
    save(world, Q3, {("张小明", "完成任务"): "25", ("张小明", "工作质量"): "15"})
    revision = services.version_new_draft(actor=world.users["unit_admin"], version=drafted)
    quality = revision.indicators.get(name="工作质量")
    services.indicator_update(
        actor=world.users["unit_admin"],
        indicator=quality,
        data={"kind": "deduction", "max_points": "0", "per_occurrence": "1", "cap": "5"},
    )
    approve_on(world, revision, dt.date(2026, 8, 3))
    kept = IndicatorResult.objects.get(quarter=3, person__name="张小明", indicator__name="工作质量")
    assert kept.version_id == drafted.pk  # stays with the version it was typed under
    assert grid_value(world, Q3, "张小明", "完成任务") == "25"
    assert grid_value(world, Q3, "张小明", "工作质量") == ""


def by_name_in(version: SchemeVersion, name: str) -> Indicator:
    return Indicator.objects.get(version=version, name=name)


def test_the_migration_settles_results_typed_under_the_old_rule(
    world: World, drafted: SchemeVersion
) -> None:
    """Before rule 28 a quarter read the newest approved version, so Q1 results typed
    in May, after a revision was approved, sit on the revision. The migration moves
    them onto the version that governs Q1 now; where both versions hold a result for
    the same cell, the one changed last is kept."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("kaohe.schemes.migrations.0002_version_approved_on")
    approve_on(world, drafted, dt.date(2026, 3, 10))  # governs Q1 under rule 28
    save(world, Q1, {("张小明", "工作质量"): "11"})  # typed in March, on v1
    revision = services.version_new_draft(actor=world.users["unit_admin"], version=drafted)
    # Approved in May without moving anything, as the old code did; then Q1 re-typed on it.
    SchemeVersion.objects.filter(pk=revision.pk).update(
        state=VersionState.APPROVED, approved_on=dt.date(2026, 5, 20)
    )
    person = world.people["cadre"]
    for name, value in (("完成任务", "27"), ("工作质量", "18")):
        IndicatorResult.objects.create(
            version=revision,
            indicator=by_name_in(revision, name),
            unit=world.bureau,
            person=person,
            year=2026,
            quarter=1,
            value=Decimal(value),
        )
    assert grid_value(world, Q1, "张小明", "完成任务") == ""  # lost from view until settled
    migration.settle_results(apps, None)
    assert not IndicatorResult.objects.filter(quarter=1, version=revision).exists()
    assert grid_value(world, Q1, "张小明", "完成任务") == "27"
    assert grid_value(world, Q1, "张小明", "工作质量") == "18"  # the later typing wins
