"""The demo county's schemes: template A shaped like the county of [000], the police
template of [001], and an approved scheme for every unit but the unit admin's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from kaohe.accounts.models import User
from kaohe.core.models import AuditEvent
from kaohe.demo.org import PERSONA_UNIT, POLICE_UNIT, generate_demo
from kaohe.demo.schemes import (
    RETURN_INDICATOR,
    RETURN_INDICATOR_COMMENT,
    RETURNED_UNITS,
    TEMPLATE_A_NAME,
    TEMPLATE_B_NAME,
    DemoSchemesResult,
    generate_demo_schemes,
)
from kaohe.org.models import Dimension, Region, Unit
from kaohe.schemes.entry import entry_grid
from kaohe.schemes.models import (
    AutoSource,
    Indicator,
    IndicatorKind,
    Module,
    Scheme,
    SchemeComment,
    SchemeVersion,
    VersionState,
)
from kaohe.schemes.rollup import Entry, Node, roll_up
from kaohe.schemes.selectors import version_history
from kaohe.schemes.services import validate_tree
from kaohe.worklogs.rules import Period

YEAR = 2026
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
SYSTEMS = ["德", "能", "勤", "绩", "廉", "弹性"]

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Loaded:
    region: Region
    result: DemoSchemesResult


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    """Generate the county and its schemes once for the module, rolled back at the end:
    it takes seconds, and the tests here only read (the second run writes nothing)."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        transaction.atomic(),
    ):
        demo = generate_demo(year=YEAR)
        result = generate_demo_schemes(region_id=demo.region_id, year=YEAR)
        yield Loaded(Region.objects.get(pk=demo.region_id), result)
        transaction.set_rollback(True)


def template(region: Region, name: str) -> SchemeVersion:
    return SchemeVersion.objects.select_related("scheme__personnel_category").get(
        scheme__region=region, scheme__role=Scheme.Role.TEMPLATE, scheme__name=name
    )


def levels(version: SchemeVersion) -> tuple[list[Indicator], list[Indicator], list[Indicator]]:
    """The top nodes, their children ("first-level") and grandchildren ("second-level")."""
    rows = list(version.indicators.order_by("position", "id"))
    top = [r for r in rows if r.parent_id is None]
    top_ids = {r.pk for r in top}
    first = [r for r in rows if r.parent_id in top_ids]
    first_ids = {r.pk for r in first}
    second = [r for r in rows if r.parent_id in first_ids]
    assert len(top) + len(first) + len(second) == len(rows), "deeper than three levels"
    return top, first, second


def states(version: SchemeVersion) -> list[str]:
    return [line.state for line in version_history(version)]


def test_template_a_has_six_systems_19_first_and_43_second_level(loaded: Loaded) -> None:
    version = template(loaded.region, TEMPLATE_A_NAME)
    top, first, second = levels(version)
    assert [r.name for r in top] == SYSTEMS
    assert [r.kind for r in top] == [IndicatorKind.GROUP] * 6
    assert len(first) == 19 and all(r.kind == IndicatorKind.GROUP for r in first)
    assert len(second) == 43 and all(r.kind != IndicatorKind.GROUP for r in second)
    assert sum(r.weight for r in top if r.weight is not None) == 100
    assert next(r for r in top if r.name == "弹性").weight is None  # bonus, outside the 100
    assert [r.dimension for r in top] == [
        Dimension.MORALITY,
        Dimension.ABILITY,
        Dimension.DILIGENCE,
        Dimension.PERFORMANCE,
        Dimension.INTEGRITY,
        Dimension.FLEXIBLE,
    ]
    # Every node sits in its system's dimension.
    by_pk = {r.pk: r for r in [*top, *first, *second]}
    for row in second:
        system = by_pk[by_pk[row.parent_id or 0].parent_id or 0]
        assert row.dimension == system.dimension, row.name
    assert version.state == VersionState.APPROVED
    assert version.scheme.personnel_category is not None
    assert version.scheme.personnel_category.name == "综合管理类"
    assert validate_tree(version) == []


def test_template_a_mixes_modules_and_kinds(loaded: Loaded) -> None:
    version = template(loaded.region, TEMPLATE_A_NAME)
    _top, _first, leaves = levels(version)
    assert {r.module for r in leaves} == set(Module.values)
    kinds = Counter(r.kind for r in leaves)
    assert kinds[IndicatorKind.VETO] == 1 and kinds[IndicatorKind.PASS_FAIL] == 1
    assert kinds[IndicatorKind.BONUS] == 4 and kinds[IndicatorKind.DEDUCTION] == 5
    assert kinds[IndicatorKind.SCORED] == 43 - 11
    logs = next(r for r in leaves if r.name == "缺写工作日志")
    assert (logs.kind, logs.auto_source) == (IndicatorKind.DEDUCTION, AutoSource.MISSING_LOGS)
    assert (logs.per_occurrence, logs.cap, logs.module) == (
        Decimal("0.5"),
        Decimal(5),
        Module.NEGATIVE,
    )
    summaries = next(r for r in leaves if r.name == "缺季度小结")
    assert summaries.auto_source == AutoSource.MISSING_SUMMARIES
    veto = next(r for r in leaves if r.kind == IndicatorKind.VETO)
    assert veto.name == "违反中央八项规定精神" and veto.module == Module.NEGATIVE
    assert all(r.module == Module.FLEXIBLE for r in leaves if r.kind == IndicatorKind.BONUS)
    assert any(r.quantitative for r in leaves) and not all(r.quantitative for r in leaves)
    assert any(r.evidence_required for r in leaves)
    assert all(r.description for r in leaves)


def test_template_a_full_marks_make_100_and_bonus_is_capped(loaded: Loaded) -> None:
    rows = list(template(loaded.region, TEMPLATE_A_NAME).indicators.all())
    nodes = [
        Node(
            str(r.pk),
            str(r.parent_id) if r.parent_id else None,
            r.name,
            r.kind,
            r.max_points,
            r.per_occurrence,
            r.cap,
            r.weight,
            r.position,
        )
        for r in rows
    ]
    full = {str(r.pk): Entry(value=r.max_points) for r in rows if r.kind == IndicatorKind.SCORED}
    assert roll_up(nodes, full).total == 100
    bonuses = {str(r.pk): Entry(value=r.cap) for r in rows if r.kind == IndicatorKind.BONUS}
    assert roll_up(nodes, {**full, **bonuses}).total == 105  # 弹性 adds at most 5


def test_template_b_is_the_police_paper(loaded: Loaded) -> None:
    version = template(loaded.region, TEMPLATE_B_NAME)
    rows = list(version.indicators.all())
    top = [r for r in rows if r.parent_id is None]
    assert sum(r.weight for r in top if r.weight is not None) == 100
    assert {r.name for r in top} >= {"业务工作（固定分值）", "加分项目（浮动分值）", "负面清单"}
    kinds = Counter(r.kind for r in rows)
    assert kinds[IndicatorKind.BONUS] >= 3 and kinds[IndicatorKind.DEDUCTION] >= 4
    assert kinds[IndicatorKind.VETO] == 1
    assert 18 <= len(rows) - kinds[IndicatorKind.GROUP] <= 24
    assert version.scheme.personnel_category is not None
    assert version.scheme.personnel_category.name == "执法勤务类"
    assert version.state == VersionState.APPROVED
    assert validate_tree(version) == []


def test_every_unit_but_the_unit_admins_has_an_approved_scheme(loaded: Loaded) -> None:
    units = {u.name: u for u in Unit.objects.filter(region=loaded.region)}
    versions = list(
        SchemeVersion.objects.filter(
            scheme__region=loaded.region, scheme__role=Scheme.Role.UNIT
        ).select_related("scheme__unit", "based_on__scheme")
    )
    assert len(versions) == len(units) - 1 == loaded.result.unit_schemes == 88
    by_unit = Counter(v.scheme.unit.name for v in versions if v.scheme.unit is not None)
    assert set(by_unit) == set(units) - {PERSONA_UNIT} and set(by_unit.values()) == {1}
    for version in versions:
        assert version.state == VersionState.APPROVED and version.number == 1
        assert version.scheme.year == YEAR and version.scheme.part == Scheme.Part.TRUNK
        assert version.based_on is not None
        expected = TEMPLATE_B_NAME if version.scheme.unit == units[POLICE_UNIT] else TEMPLATE_A_NAME
        assert version.based_on.scheme.name == expected
    assert not Scheme.objects.filter(unit=units[PERSONA_UNIT]).exists()
    assert (
        loaded.result.unit_indicators
        == Indicator.objects.filter(version__in=versions).count()
        == 87 * 68 + 27
    )


def test_returned_schemes_went_back_once_with_comments(loaded: Loaded) -> None:
    returned = {name for name, _comment, _revised in RETURNED_UNITS}
    assert len(returned) == loaded.result.returned_once == 6
    versions = SchemeVersion.objects.filter(
        scheme__region=loaded.region, scheme__role=Scheme.Role.UNIT
    ).select_related("scheme__unit")
    straight = [VersionState.DRAFT, VersionState.SUBMITTED, VersionState.APPROVED]
    round_trip = [
        VersionState.DRAFT,
        VersionState.SUBMITTED,
        VersionState.RETURNED,
        VersionState.SUBMITTED,
        VersionState.APPROVED,
    ]
    revised = {name: text for name, _comment, text in RETURNED_UNITS}
    admin = User.objects.get(username="region_admin")
    for version in versions:
        assert version.scheme.unit is not None
        name = version.scheme.unit.name
        if name not in returned:
            assert states(version) == straight, name
            assert not version.comments.exists()
            continue
        assert states(version) == round_trip, name
        task = version.indicators.get(name=RETURN_INDICATOR)
        comments = list(SchemeComment.objects.filter(version=version))
        assert len(comments) == 2 and {c.author_id for c in comments} == {admin.pk}
        on_task = [c for c in comments if c.indicator_key is not None]
        assert len(on_task) == 1 and on_task[0].indicator_key == task.key
        assert on_task[0].text == RETURN_INDICATOR_COMMENT
        assert task.description == revised[name]


def test_the_schemes_are_in_force_for_entering_results(loaded: Loaded) -> None:
    admin = User.objects.get(username="region_admin")
    town = Unit.objects.get(region=loaded.region, name="城关镇")
    grid = entry_grid(admin, town.pk, Period(YEAR, 1))
    assert len(grid.columns) == 43 and grid.people
    police = Unit.objects.get(region=loaded.region, name=POLICE_UNIT)
    assert len(entry_grid(admin, police.pk, Period(YEAR, 1)).columns) == 22


def test_one_audit_row_with_the_counts(loaded: Loaded) -> None:
    rows = list(AuditEvent.objects.filter(action="schemes.demo.load"))
    assert len(rows) == 1 and rows[0].region_id == loaded.region.pk
    assert rows[0].details == loaded.result.summary()
    assert loaded.result.templates == 2 and loaded.result.template_indicators == 68 + 27


def test_a_second_run_creates_nothing(loaded: Loaded) -> None:
    before = (
        Scheme.objects.count(),
        Indicator.objects.count(),
        AuditEvent.objects.count(),
    )
    again = generate_demo_schemes(region_id=loaded.region.pk, year=YEAR)
    assert (again.templates, again.unit_schemes, again.unit_indicators) == (0, 0, 0)
    after = (
        Scheme.objects.count(),
        Indicator.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before
