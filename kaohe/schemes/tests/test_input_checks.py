"""Refusals of bad input: choices, automatic sources, non-finite numbers, long
names, a second trunk scheme, bad periods in URLs, and htmx errors."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from kaohe.schemes import entry, services
from kaohe.schemes.errors import SchemeErrorCode
from kaohe.schemes.models import AutoSource, Indicator, IndicatorResult, Scheme, SchemeVersion
from kaohe.schemes.numbers import finite_decimal
from kaohe.schemes.tests.fixtures import add
from kaohe.testing import World, refused
from kaohe.worklogs.rules import Period

pytestmark = pytest.mark.django_db
Q1 = Period(2026, 1)
TODAY = dt.date(2026, 4, 30)


@pytest.fixture
def approved(world: World, drafted: SchemeVersion) -> SchemeVersion:
    services.version_submit(actor=world.users["unit_admin"], version=drafted)
    services.version_approve(actor=world.users["region_admin"], version=drafted)
    return drafted


def refusal(code: SchemeErrorCode, call: Callable[[], object]) -> str:
    """The message of the refusal `call` meets, checked to carry `code`."""
    with refused(code) as caught:
        call()
    return caught.value.message


# ---------------------------------------------------------------- choices


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("module", "bogus", "模块"),
        ("dimension", "bogus", "维度"),
        ("auto_source", "bogus", "数据来源"),
    ],
)
def test_choice_fields_must_be_from_their_lists(
    world: World, drafted: SchemeVersion, field: str, value: str, words: str
) -> None:
    ji = drafted.indicators.get(name="绩")
    before = Indicator.objects.count()
    message = refusal(
        SchemeErrorCode.BAD_CHOICE,
        lambda: add(world, drafted, ji, "新指标", kind="deduction", **{field: value}),
    )
    assert words in message and "列表" in message
    assert Indicator.objects.count() == before
    task = drafted.indicators.get(name="完成任务")
    refusal(
        SchemeErrorCode.BAD_CHOICE,
        lambda: services.indicator_update(
            actor=world.users["unit_admin"], indicator=task, data={field: value}
        ),
    )
    task.refresh_from_db()
    assert getattr(task, field) != value


def test_only_a_deduction_is_filled_automatically(world: World, drafted: SchemeVersion) -> None:
    ji = drafted.indicators.get(name="绩")
    message = refusal(
        SchemeErrorCode.AUTO_SOURCE_NOT_DEDUCTION,
        lambda: add(
            world, drafted, ji, "出勤", kind="scored", max_points="5", auto_source="missing_logs"
        ),
    )
    assert "“出勤”不是扣分项" in message
    assert not drafted.indicators.filter(name="出勤").exists()
    task = drafted.indicators.get(name="完成任务")
    refusal(
        SchemeErrorCode.AUTO_SOURCE_NOT_DEDUCTION,
        lambda: services.indicator_update(
            actor=world.users["unit_admin"], indicator=task, data={"auto_source": "missing_logs"}
        ),
    )
    # Making an automatic deduction into another kind keeps its source, so is refused too.
    logs = drafted.indicators.get(name="缺写工作日志")
    refusal(
        SchemeErrorCode.AUTO_SOURCE_NOT_DEDUCTION,
        lambda: services.indicator_update(
            actor=world.users["unit_admin"], indicator=logs, data={"kind": "scored"}
        ),
    )
    logs.refresh_from_db()
    assert (logs.kind, logs.auto_source) == ("deduction", AutoSource.MISSING_LOGS)
    # ... unless the source is dropped in the same edit.
    services.indicator_update(
        actor=world.users["unit_admin"],
        indicator=logs,
        data={"kind": "scored", "auto_source": "", "max_points": "5"},
    )
    add(world, drafted, ji, "缺写总结", kind="deduction", per_occurrence="1", cap="2",
        auto_source="missing_summaries")  # fmt: skip


def test_a_stored_source_on_another_kind_is_a_tree_problem_and_not_automatic(
    world: World, approved: SchemeVersion
) -> None:
    Indicator.objects.filter(version=approved, name="完成任务").update(auto_source="missing_logs")
    problems = services.validate_tree(approved)
    assert any("“完成任务”不是扣分项" in p for p in problems), problems
    with override_settings(KAOHE_TODAY=TODAY):
        grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    auto = {c.indicator.name for c in grid.columns if c.auto}
    assert auto == {"缺写工作日志"}


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-Infinity", "sNaN", "abc", ""])
def test_the_shared_parser_refuses_what_is_not_a_finite_number(text: str) -> None:
    assert finite_decimal(text) is None


def test_the_shared_parser_reads_numbers() -> None:
    assert str(finite_decimal(" 2.5 ")) == "2.5"


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "Infinity"])
def test_non_finite_indicator_numbers_are_refused(
    world: World, drafted: SchemeVersion, text: str
) -> None:
    task = drafted.indicators.get(name="完成任务")
    for field in ("max_points", "weight", "cap", "per_occurrence"):
        with refused(SchemeErrorCode.NOT_A_NUMBER) as caught:
            services.indicator_update(
                actor=world.users["unit_admin"], indicator=task, data={field: text}
            )
        assert "不是数字" in caught.value.message


@override_settings(KAOHE_TODAY=TODAY)
def test_non_finite_grid_cells_are_refused(world: World, approved: SchemeVersion) -> None:
    grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    person = grid.people[0]
    task = next(c for c in grid.columns if c.indicator.name == "完成任务").indicator
    for text in ("nan", "inf", "-Infinity"):
        with refused(SchemeErrorCode.CELLS_INVALID) as caught:
            entry.results_save(
                actor=world.users["unit_admin"], grid=grid, cells={(person.pk, task.pk): text}
            )
        assert any("不是数字" in p for p in caught.value.problems)
    assert not IndicatorResult.objects.filter(indicator=task).exists()


@override_settings(KAOHE_TODAY=TODAY)
def test_grid_cells_with_three_decimals_or_absurd_counts_are_refused(
    world: World, approved: SchemeVersion
) -> None:
    """PostgreSQL would round 8.125 on the way in and SQLite keep it, so scores would
    differ by database: a value has at most two decimals, a count at most 9999
    (and "²", which is a digit but not a number int() reads, is no count)."""
    Indicator.objects.filter(version=approved, kind="deduction").update(auto_source="")
    grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    person = grid.people[0]
    task = next(c for c in grid.columns if c.indicator.name == "完成任务").indicator
    late = next(c for c in grid.columns if c.indicator.kind == "deduction" and not c.auto)
    for cells, message in (
        ({(person.pk, task.pk): "8.125"}, "小数超过两位"),
        ({(person.pk, late.indicator.pk): "10000"}, "最多 9999 次"),
        ({(person.pk, late.indicator.pk): "²"}, "填写次数"),
    ):
        with refused(SchemeErrorCode.CELLS_INVALID) as caught:
            entry.results_save(actor=world.users["unit_admin"], grid=grid, cells=cells)
        assert any(message in p for p in caught.value.problems), caught.value.problems
    assert not IndicatorResult.objects.filter(person=person).exists()
    entry.results_save(
        actor=world.users["unit_admin"],
        grid=grid,
        cells={(person.pk, task.pk): "8.10", (person.pk, late.indicator.pk): "９"},
    )
    saved = {r.indicator_id: r for r in IndicatorResult.objects.filter(person=person)}
    assert saved[task.pk].value == Decimal("8.1") and saved[late.indicator.pk].occurrences == 9


def test_indicator_figures_with_three_decimals_are_refused(
    world: World, drafted: SchemeVersion
) -> None:
    task = drafted.indicators.get(name="完成任务")
    with refused(SchemeErrorCode.TOO_MANY_DECIMALS) as caught:
        services.indicator_update(
            actor=world.users["unit_admin"], indicator=task, data={"max_points": "7.555"}
        )
    assert "小数超过两位" in caught.value.message


@override_settings(KAOHE_TODAY=TODAY)
def test_a_non_finite_number_in_an_upload_is_refused(
    world: World, approved: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")
    url = reverse("schemes:entry", args=[world.bureau.pk, 2026, 1])
    sheet = client.get(reverse("schemes:entry_export", args=[world.bureau.pk, 2026, 1])).content
    book = load_workbook(io.BytesIO(sheet))
    book.worksheets[0].cell(row=3, column=4, value="inf")
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(url, {"file": SimpleUploadedFile("结果.xlsx", buffer.getvalue())})
    assert response.status_code == 200
    assert "不是数字" in response.content.decode()


# ---------------------------------------------------------------- names


def test_names_longer_than_their_fields_are_refused(world: World, drafted: SchemeVersion) -> None:
    admin = world.users["region_admin"]
    message = refusal(
        SchemeErrorCode.NAME_TOO_LONG,
        lambda: services.template_create(
            actor=admin, region=world.region, name="模" * 121, year=2026
        ),
    )
    assert "120" in message
    services.template_create(actor=admin, region=world.region, name="模" * 120, year=2026)
    ji = drafted.indicators.get(name="绩")
    assert "200" in refusal(
        SchemeErrorCode.NAME_TOO_LONG, lambda: add(world, drafted, ji, "指" * 201, kind="scored")
    )
    add(world, drafted, ji, "指" * 200, kind="scored", max_points="1")


def test_generated_names_are_cut_to_fit(world: World, template: SchemeVersion) -> None:
    trunk = services.unit_scheme_create(
        actor=world.users["unit_admin"],
        template=template,
        unit=world.bureau,
        year=2027,
        name="方" * 120,
    )
    supplement = services.supplement_create(
        actor=world.users["unit_admin"], trunk=trunk.scheme, quarter=2
    )
    assert len(supplement.scheme.name) == 120


# ---------------------------------------------------------------- one trunk per unit and year


def test_a_unit_has_one_trunk_scheme_per_year(
    world: World, template: SchemeVersion, drafted: SchemeVersion
) -> None:
    before = Scheme.objects.count()
    message = refusal(
        SchemeErrorCode.SCHEME_EXISTS,
        lambda: services.unit_scheme_create(
            actor=world.users["unit_admin"], template=template, unit=world.bureau, year=2026
        ),
    )
    assert world.bureau.name in message and "2026" in message
    assert Scheme.objects.count() == before
    # Another year, and a supplement to the trunk, are still allowed.
    services.unit_scheme_create(
        actor=world.users["unit_admin"], template=template, unit=world.bureau, year=2027
    )
    services.supplement_create(actor=world.users["unit_admin"], trunk=drafted.scheme, quarter=1)


def test_the_schemes_page_shows_the_second_trunk_refusal(
    world: World,
    template: SchemeVersion,
    drafted: SchemeVersion,
    client_as: Callable[[str], Client],
) -> None:
    response = client_as("unit_admin").post(
        reverse("schemes:list"),
        {"template": template.pk, "unit": world.bureau.pk},
        follow=True,
    )
    assert "已有 2026 年考核方案" in response.content.decode()
    assert Scheme.objects.filter(unit=world.bureau, part="trunk", year=2026).count() == 1


# ---------------------------------------------------------------- periods in URLs


@override_settings(KAOHE_TODAY=TODAY)
def test_bad_periods_in_urls_are_not_found(
    world: World, approved: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")
    index = reverse("schemes:entry_index")
    unit = str(world.bureau.pk)
    assert client.get(index, {"unit": unit, "quarter": "x"}).status_code == 404
    assert client.get(index, {"unit": unit, "quarter": "5"}).status_code == 404
    assert client.get(index, {"unit": unit, "quarter": "2"}).status_code == 302
    assert client.get(index, {"unit": unit}).status_code == 302
    person, indicator = world.people["cadre"].pk, approved.indicators.get(name="完成任务").pk
    for year in (0, 10000, 32767):
        for name, extra in (
            ("schemes:entry", []),
            ("schemes:entry_export", []),
            ("schemes:evidence", [person, indicator]),
        ):
            url = reverse(name, args=[world.bureau.pk, year, 1, *extra])
            assert client.get(url).status_code == 404, (name, year)
    assert (
        client.get(reverse("schemes:entry_export", args=[world.bureau.pk, 2026, 5])).status_code
        == 404
    )


# ---------------------------------------------------------------- htmx errors


def test_an_htmx_error_leaves_other_messages_alone(
    world: World, drafted: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")
    add_url = reverse("schemes:indicator_add", args=[drafted.scheme_id, drafted.number])
    # A plain request queues its refusal for the next page ...
    client.post(add_url, {"name": "", "kind": "scored"})
    # ... an htmx one shows its own in the fragment ...
    response = client.post(add_url, {"name": "x", "kind": "bogus"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response["HX-Retarget"] == "#tree-errors"
    assert "请从列表中选择类型" in body and "指标必须有名称" not in body
    # ... and neither drains nor adds to what is waiting.
    page = client.get(reverse("schemes:version", args=[drafted.scheme_id, drafted.number]))
    text = page.content.decode()
    assert "指标必须有名称" in text and "请从列表中选择类型" not in text


def test_results_typed_with_three_decimals_are_settled_as_the_orm_read_them(
    world: World, approved: SchemeVersion
) -> None:
    """Schemes migration 0003: on SQLite a value typed as 8.125 before entry refused it
    was kept as typed, while every page read 8.12 (the ORM's converter). It is stored
    as 8.12, so the scoring's SQL reads the same; two-place values are left alone."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's numeric columns never held a third decimal")
    migration = importlib.import_module("kaohe.schemes.migrations.0003_two_places")
    task = approved.indicators.get(name="完成任务")
    people = list(world.people.values())[:2]
    odd, plain = (
        IndicatorResult.objects.create(
            version=approved, indicator=task, unit=world.bureau, person=p, year=2026, quarter=1
        )
        for p in people
    )
    table = IndicatorResult._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = 8.125 WHERE id = %s", [odd.pk])  # noqa: S608
        cursor.execute(f"UPDATE {table} SET value = 8.13 WHERE id = %s", [plain.pk])  # noqa: S608
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    migration.settle_two_places(apps, editor)
    with connection.cursor() as cursor:
        read = f"SELECT id, value * 100 FROM {table} WHERE id IN (%s, %s)"  # noqa: S608
        cursor.execute(read, [odd.pk, plain.pk])
        stored = dict(cursor.fetchall())
    assert round(stored[odd.pk], 6) == 812 and round(stored[plain.pk], 6) == 813
