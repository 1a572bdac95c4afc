"""Result entry: the grid, automatic deductions, all-or-nothing saves, Excel round-trip."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import ProtectedError
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from kaohe.core.models import AuditEvent
from kaohe.org import services as org_services
from kaohe.org.models import LeadershipRole, MembershipStatus, Unit, UnitKind, UnitType
from kaohe.schemes import entry, services
from kaohe.schemes.errors import SchemeErrorCode
from kaohe.schemes.models import Indicator, IndicatorResult, SchemeVersion
from kaohe.testing import World, refused
from kaohe.worklogs.models import Timeliness, WorkLog
from kaohe.worklogs.rules import Period

pytestmark = pytest.mark.django_db
Q1 = Period(2026, 1)
TODAY = dt.date(2026, 4, 30)  # Q1's backfill windows have closed


@pytest.fixture
def approved(world: World, drafted: SchemeVersion) -> SchemeVersion:
    services.version_submit(actor=world.users["unit_admin"], version=drafted)
    services.version_approve(actor=world.users["region_admin"], version=drafted)
    return drafted


def cell(grid: entry.Grid, key: str, name: str) -> tuple[int, int]:
    column = next(c for c in grid.columns if c.indicator.name == name)
    return (grid.people[[p.name for p in grid.people].index(key)].pk, column.indicator.pk)


@override_settings(KAOHE_TODAY=TODAY)
def test_missing_log_deductions_appear_without_typing(
    world: World, approved: SchemeVersion
) -> None:
    cadre = world.people["cadre"]
    WorkLog.objects.bulk_create(
        WorkLog(
            region=world.region,
            person=cadre,
            unit=world.bureau,
            day=dt.date(2026, 3, d),
            content="工作",
            timeliness=Timeliness.ON_TIME,
        )
        for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)
    )
    grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    assert [c.indicator.name for c in grid.columns] == [
        "政治表现",
        "完成任务",
        "工作质量",
        "缺写工作日志",
        "违纪",
    ]
    from kaohe.core.calendar import WorkCalendar

    q1_days = WorkCalendar.build(dt.date(2026, 1, 1), dt.date(2026, 3, 31)).count(
        dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    )
    assert grid.cells[cell(grid, "张小明", "缺写工作日志")] == str(q1_days - 10)
    assert grid.cells[cell(grid, "王建国", "缺写工作日志")] == str(q1_days)


@override_settings(KAOHE_TODAY=TODAY)
def test_a_save_checks_every_cell_and_writes_all_or_nothing(
    world: World, approved: SchemeVersion
) -> None:
    grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    cells = {
        cell(grid, "张小明", "完成任务"): "28",
        cell(grid, "李文华", "完成任务"): "35",
        cell(grid, "王建国", "违纪"): "也许",
    }
    before = (IndicatorResult.objects.count(), AuditEvent.objects.count())
    with refused(SchemeErrorCode.CELLS_INVALID) as caught:
        entry.results_save(actor=world.users["unit_admin"], grid=grid, cells=cells)
    problems = caught.value.problems
    assert any("李文华「完成任务」" in p and "0 至 30" in p for p in problems), problems
    assert any("王建国「违纪」" in p and "是/否" in p for p in problems)
    assert (IndicatorResult.objects.count(), AuditEvent.objects.count()) == before
    cells[cell(grid, "李文华", "完成任务")] = "29.5"
    cells[cell(grid, "王建国", "违纪")] = "否"
    entry.results_save(actor=world.users["unit_admin"], grid=grid, cells=cells)
    # 3 typed cells + the automatic deduction for each of the 3 people
    assert IndicatorResult.objects.count() == 6
    assert AuditEvent.objects.filter(action="schemes.results.save").count() == 1
    reopened = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    assert reopened.cells[cell(reopened, "李文华", "完成任务")] == "29.5"
    assert reopened.cells[cell(reopened, "王建国", "违纪")] == "否"


@override_settings(KAOHE_TODAY=TODAY)
def test_a_used_indicator_cannot_be_deleted(world: World, approved: SchemeVersion) -> None:
    grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    entry.results_save(
        actor=world.users["unit_admin"], grid=grid, cells={cell(grid, "张小明", "完成任务"): "25"}
    )
    successor = services.version_new_draft(actor=world.users["unit_admin"], version=approved)
    task = successor.indicators.get(name="完成任务")
    with refused(SchemeErrorCode.INDICATOR_HAS_RESULTS):
        services.indicator_delete(actor=world.users["unit_admin"], indicator=task)
    services.indicator_delete(
        actor=world.users["unit_admin"], indicator=successor.indicators.get(name="工作质量")
    )


@override_settings(KAOHE_TODAY=TODAY)
def test_a_version_with_results_cannot_be_deleted(world: World, approved: SchemeVersion) -> None:
    """The results' version key has no check of its own (DO_NOTHING, no index): the
    indicators go with the version, and their PROTECT refuses."""
    grid = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    entry.results_save(
        actor=world.users["unit_admin"], grid=grid, cells={cell(grid, "张小明", "完成任务"): "25"}
    )
    with pytest.raises(ProtectedError):
        approved.scheme.delete()
    assert IndicatorResult.objects.filter(version=approved).exists()


@override_settings(KAOHE_TODAY=TODAY)
def test_a_mismatched_upload_writes_nothing(
    world: World, approved: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")
    url = reverse("schemes:entry", args=[world.bureau.pk, 2026, 1])
    sheet = client.get(reverse("schemes:entry_export", args=[world.bureau.pk, 2026, 1])).content
    book = load_workbook(io.BytesIO(sheet))
    book.worksheets[0].cell(row=3, column=4, value=27)
    book.worksheets[0].cell(
        row=2, column=4, value="00000000-0000-0000-0000-000000000000"
    )  # a foreign column
    buffer = io.BytesIO()
    book.save(buffer)
    before = (IndicatorResult.objects.count(), AuditEvent.objects.count())
    response = client.post(url, {"file": SimpleUploadedFile("结果.xlsx", buffer.getvalue())})
    assert "指标列与方案版本不一致" in response.content.decode()
    assert (IndicatorResult.objects.count(), AuditEvent.objects.count()) == before
    # The genuine sheet, filled in, round-trips.
    book = load_workbook(io.BytesIO(sheet))
    book.worksheets[0].cell(row=3, column=4, value=27)
    buffer = io.BytesIO()
    book.save(buffer)
    client.post(url, {"file": SimpleUploadedFile("结果.xlsx", buffer.getvalue())})
    assert IndicatorResult.objects.filter(value=27).count() == 1


@override_settings(KAOHE_TODAY=TODAY)
def test_entry_needs_an_approved_scheme_and_the_right_role(
    world: World, drafted: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    url = reverse("schemes:entry", args=[world.bureau.pk, 2026, 1])
    assert "还没有经批准的 2026 年考核方案" in client_as("unit_admin").get(url).content.decode()
    assert client_as("cadre").get(url).status_code == 404
    assert (
        client_as("unit_admin")
        .get(reverse("schemes:entry", args=[world.town.pk, 2026, 1]))
        .status_code
        == 404
    )


def staffed_unit(world: World, template: SchemeVersion, code: str, size: int) -> Unit:
    """A unit of `size` cadres with an approved scheme drafted from `template`."""
    unit = org_services.unit_create(
        actor=None,
        region=world.region,
        name=f"单位{code}",
        code=code,
        unit_type=UnitType.DISTRICT_UNIT,
        unit_kind=UnitKind.ADMINISTRATIVE,
    )
    for i in range(size):
        person = org_services.person_create(
            actor=None, region=world.region, staff_no=f"{code}{i:03d}", name=f"{code}干部{i}"
        )
        org_services.membership_change(
            actor=None,
            person=person,
            unit=unit,
            rank_level=world.rank("一级科员"),
            personnel_category=world.category(),
            leadership_role=LeadershipRole.STAFF,
            status=MembershipStatus.ON_DUTY,
            valid_from=dt.date(2026, 1, 1),
        )
    admin = world.users["region_admin"]
    version = services.unit_scheme_create(actor=admin, template=template, unit=unit, year=2026)
    services.version_submit(actor=admin, version=version)
    services.version_approve(actor=admin, version=version)
    return unit


@override_settings(KAOHE_TODAY=TODAY)
def test_opening_and_saving_the_grid_take_as_many_queries_for_20_people_as_for_2(
    world: World, template: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")

    def measure(unit: Unit) -> dict[str, int]:
        url = reverse("schemes:entry", args=[unit.pk, 2026, 1])
        grid = entry.entry_grid(world.users["region_admin"], unit.pk, Q1)
        typed = [c for c in grid.columns if not c.auto]

        def form(values: dict[str, str]) -> dict[str, str]:
            return {
                "versions": ",".join(str(v.pk) for v in grid.versions),
                **{
                    f"c_{p.pk}_{c.indicator.pk}": values[c.indicator.kind]
                    for p in grid.people
                    for c in typed
                },
            }

        def count(data: dict[str, str] | None = None) -> int:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url) if data is None else client.post(url, data)
            assert response.status_code == (200 if data is None else 302)
            return len(captured)

        counts = {"open": count()}
        counts["create"] = count(form({"scored": "8", "veto": "否"}))
        counts["open filled"] = count()
        counts["update"] = count(form({"scored": "9.5", "veto": "是"}))
        stored = IndicatorResult.objects.filter(
            unit=unit, indicator__in=[c.indicator for c in typed]
        )
        assert stored.count() == len(grid.people) * len(typed)
        assert {(r.value, r.flag) for r in stored} == {(Decimal("9.5"), None), (None, True)}
        counts["clear"] = count(form({"scored": "", "veto": ""}))
        assert not stored.all().exists()
        return counts

    client.get(reverse("schemes:entry_index"))  # the session's first request does set-up work
    measure(staffed_unit(world, template, "W", 1))  # the region's work-record policy is created
    few = measure(staffed_unit(world, template, "A", 2))
    many = measure(staffed_unit(world, template, "B", 20))
    assert few == many, (few, many)
    # A save is the grid's reads plus a fixed number of statements, whatever the number
    # of cells: the unit's lock and the versions in force (entry.lock_versions), the
    # locking read, one upsert or one delete, and the audit row.
    assert few["create"] - few["open"] <= 7, few


@override_settings(KAOHE_TODAY=TODAY)
def test_a_grid_with_evidence_opens_saves_and_refuses_in_as_many_queries_at_ten_times_the_size(
    world: World, template: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    """The grid is built and saved in bulk (issue 14): evidence required and linked in
    every row, and a refused save that shows the page again with what was typed, take
    as many queries for 30 people as for 3."""
    Indicator.objects.filter(version=template, name="完成任务").update(evidence_required=True)
    admin = world.users["region_admin"]
    client = client_as("region_admin")

    def measure(unit: Unit) -> dict[str, int]:
        url = reverse("schemes:entry", args=[unit.pk, 2026, 1])
        grid = entry.entry_grid(admin, unit.pk, Q1)
        task = next(c.indicator for c in grid.columns if c.indicator.name == "完成任务")
        assert task.evidence_required
        work = WorkLog.objects.bulk_create(
            WorkLog(
                region=world.region,
                person=p,
                unit=unit,
                day=dt.date(2026, 1, 5),
                content="完成季度任务",
                timeliness=Timeliness.ON_TIME,
            )
            for p in grid.people
        )
        linked = IndicatorResult.objects.bulk_create(
            IndicatorResult(
                version_id=task.version_id,
                indicator=task,
                unit=unit,
                person=p,
                year=2026,
                quarter=1,
            )
            for p in grid.people
        )
        entry.EvidenceLink.objects.bulk_create(
            entry.EvidenceLink(indicatorresult_id=r.pk, worklog_id=w.pk)
            for r, w in zip(linked, work, strict=True)
        )
        typed = [c for c in grid.columns if not c.auto]

        def form(values: dict[str, str]) -> dict[str, str]:
            return {
                "versions": ",".join(str(v.pk) for v in grid.versions),
                **{
                    f"c_{p.pk}_{c.indicator.pk}": values[c.indicator.kind]
                    for p in grid.people
                    for c in typed
                },
            }

        def count(data: dict[str, str] | None = None, status: int = 200) -> tuple[int, str]:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url) if data is None else client.post(url, data)
            assert response.status_code == status
            return len(captured), response.content.decode()

        counts = {"open": count()[0]}
        counts["create"] = count(form({"scored": "8", "veto": "是"}), 302)[0]
        counts["open filled"], page = count()
        assert page.count('class="ev"') == len(grid.people)  # linked: not marked missing
        wrong = {**form({"scored": "9", "veto": "否"}), f"c_{grid.people[-1].pk}_{task.pk}": "x<"}
        counts["refused"], page = count(wrong)
        assert "x&lt;" in page and "不是数字" in page
        assert IndicatorResult.objects.filter(unit=unit, value=9).count() == 0
        counts["clear"] = count(form({"scored": "", "veto": ""}), 302)[0]
        # Cleared: the evidenced results stay, empty, with their evidence; the others go.
        left = IndicatorResult.objects.filter(unit=unit, indicator__in=[c.indicator for c in typed])
        assert sorted(left.values_list("indicator_id", "value")) == [(task.pk, None)] * len(
            grid.people
        )
        return counts

    client.get(reverse("schemes:entry_index"))  # the session's first request does set-up work
    measure(staffed_unit(world, template, "W", 1))  # the region's work-record policy is created
    few = measure(staffed_unit(world, template, "A", 3))
    many = measure(staffed_unit(world, template, "B", 30))
    assert few == many, (few, many)


@override_settings(KAOHE_TODAY=TODAY)
def test_an_approved_supplement_adds_its_indicators_for_its_quarter(
    world: World, approved: SchemeVersion
) -> None:
    from kaohe.schemes.tests.fixtures import add

    supplement = services.supplement_create(
        actor=world.users["unit_admin"], trunk=approved.scheme, quarter=1
    )
    add(world, supplement, None, "一季度专项：春风行动", kind="scored", max_points="5")
    services.version_submit(actor=world.users["unit_admin"], version=supplement)
    services.version_approve(actor=world.users["region_admin"], version=supplement)
    q1 = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Q1)
    assert q1.columns[-1].indicator.name == "一季度专项：春风行动"
    q2 = entry.entry_grid(world.users["unit_admin"], world.bureau.pk, Period(2026, 2))
    assert "一季度专项：春风行动" not in [c.indicator.name for c in q2.columns]
    with refused(SchemeErrorCode.SUPPLEMENT_EXISTS):
        services.supplement_create(
            actor=world.users["unit_admin"], trunk=approved.scheme, quarter=1
        )


@override_settings(KAOHE_TODAY=TODAY)
def test_an_upload_whose_version_cell_is_a_superscript_digit_is_refused_not_a_500(
    world: World, approved: SchemeVersion, client_as: Callable[[str], Client]
) -> None:
    # str.isdigit() takes "²", which int() cannot read.
    client = client_as("unit_admin")
    client.raise_request_exception = False
    url = reverse("schemes:entry", args=[world.bureau.pk, 2026, 1])
    sheet = client.get(reverse("schemes:entry_export", args=[world.bureau.pk, 2026, 1])).content
    book = load_workbook(io.BytesIO(sheet))
    cells = [
        row[1] for ws in book.worksheets for row in ws.iter_rows() if row[0].value == "方案版本"
    ]
    assert cells
    for c in cells:
        c.value = "²"
    book.worksheets[0].cell(row=3, column=4, value=27)
    buffer = io.BytesIO()
    book.save(buffer)
    before = (IndicatorResult.objects.count(), AuditEvent.objects.count())
    response = client.post(url, {"file": SimpleUploadedFile("结果.xlsx", buffer.getvalue())})
    assert response.status_code == 200
    assert (IndicatorResult.objects.count(), AuditEvent.objects.count()) == before
