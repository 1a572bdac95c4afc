"""Roster import/export: validation by row and column, all or nothing, idempotent."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kaohe.core.models import AuditEvent
from kaohe.org.errors import OrgErrorCode
from kaohe.org.models import LeadershipRole, Membership, MembershipStatus, Person
from kaohe.org.roster import COLUMNS, roster_import
from kaohe.testing import World, refused, roster_row, roster_xlsx

pytestmark = pytest.mark.django_db


xlsx = roster_xlsx
row = roster_row


def run_import(world: World, content: bytes, user: str = "unit_admin") -> Any:
    return roster_import(
        actor=world.users[user], upload=io.BytesIO(content), size=len(content), file_name="t.xlsx"
    )


def snapshot() -> tuple[int, int, int]:
    return Person.objects.count(), Membership.objects.count(), AuditEvent.objects.count()


def test_it_imports_new_people_with_their_positions(world: World) -> None:
    result = run_import(world, xlsx([row("N001"), row("N002", "吴芳", unit="S001")]))
    assert (result.people_created, result.memberships_opened) == (2, 2)
    m = Membership.objects.get(person__staff_no="N002")
    assert m.unit == world.centre and m.status == MembershipStatus.ON_DUTY
    assert m.leadership_role == LeadershipRole.STAFF and m.valid_to is None
    assert AuditEvent.objects.filter(action="org.roster.import").count() == 1


def test_it_changes_nothing_when_the_same_file_is_imported_twice(world: World) -> None:
    content = xlsx([row("N001"), row("N002", "吴芳")])
    run_import(world, content)
    before = list(Membership.objects.order_by("pk").values())
    people = list(Person.objects.order_by("pk").values())
    result = run_import(world, content)
    assert (result.people_created, result.memberships_opened, result.unchanged) == (0, 0, 2)
    assert list(Membership.objects.order_by("pk").values()) == before
    assert list(Person.objects.order_by("pk").values()) == people


def test_it_closes_the_old_position_when_a_row_changes_it(world: World) -> None:
    run_import(world, xlsx([row("N001")]))
    run_import(world, xlsx([row("N001", 职级="副科", 起始日期="2026-07-01")]))
    rows = list(Membership.objects.filter(person__staff_no="N001").order_by("valid_from"))
    assert [(m.valid_from.isoformat(), m.valid_to and m.valid_to.isoformat()) for m in rows] == [
        ("2026-03-01", "2026-06-30"),
        ("2026-07-01", None),
    ]
    assert rows[1].rank_level.name == "副科"


def test_it_reports_all_ten_bad_rows_and_writes_nothing(world: World) -> None:
    bad = [
        row("B01", 职级="科员"),
        row("B02", 单位编码="NOPE"),
        row("B03", 人员类别="后勤类"),
        row("B04", 领导角色="老大"),
        row("B05", 状态="休假"),
        row("B06", 起始日期="明年"),
        row("B07", 姓名=""),
        row("B08", 性别="未知"),
        row("B09", 出生日期="1990-13-45"),
        row("B01"),  # duplicate staff number of row 2
    ]
    good = [row("G01"), row("G02")]
    before = snapshot()
    with refused(OrgErrorCode.ROSTER_ROWS_INVALID) as caught:
        run_import(world, xlsx(good + bad))
    errors = [str(e) for e in caught.value.problems]
    assert len(errors) == 10
    expected = [
        (4, "职级", "“科员”不存在，可选：正科、"),
        (5, "单位编码", "NOPE"),
        (6, "人员类别", "“后勤类”不存在"),
        (7, "领导角色", "“老大”不存在"),
        (8, "状态", "“休假”不存在"),
        (9, "起始日期", "明年"),
        (10, "姓名", "不能为空"),
        (11, "性别", "“未知”不存在"),
        (12, "出生日期", "1990-13-45"),
        (13, "人员编号", "第 4 行"),
    ]
    for message, (line, column, fragment) in zip(errors, expected, strict=True):
        assert message.startswith(f"第 {line} 行 {column}："), message
        assert fragment in message, message
    assert snapshot() == before


def test_it_refuses_a_unit_outside_the_importers_scope(world: World) -> None:
    with refused(OrgErrorCode.ROSTER_ROWS_INVALID) as caught:
        run_import(world, xlsx([row("N001", 单位编码="T001")]))
    assert "T001" in str(caught.value.problems[0])


def test_it_refuses_to_take_a_person_from_another_units_admin(world: World) -> None:
    town_cadre = world.people["town_cadre"]
    with refused(OrgErrorCode.ROSTER_ROWS_INVALID) as caught:
        run_import(world, xlsx([row(town_cadre.staff_no, 起始日期="2026-09-01")]))
    message = str(caught.value.problems[0])
    assert "已被占用" in message and "城关镇" not in message
    assert Membership.objects.filter(person=town_cadre).count() == 1


def test_it_refuses_a_change_dated_before_the_current_position(world: World) -> None:
    run_import(world, xlsx([row("N001", 起始日期="2026-05-01")]))
    with refused(OrgErrorCode.ROSTER_ROWS_INVALID) as caught:
        run_import(world, xlsx([row("N001", 职级="副科", 起始日期="2026-04-01")]))
    assert "2026-05-01" in str(caught.value.problems[0])


def test_it_refuses_a_sheet_without_the_required_headers(world: World) -> None:
    with refused(OrgErrorCode.ROSTER_FILE_INVALID) as caught:
        run_import(world, xlsx([["x", "y"]], header=["人员编号", "姓名"]))
    assert "单位编码" in caught.value.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"staff_no,name\nN1,x\n", "不是 Excel .xlsx 文件"),
        (b"PK\x03\x04" + b"\x00garbage" * 100, "已损坏"),
        (b"", "不是 Excel .xlsx 文件"),
    ],
    ids=["csv", "corrupt-zip", "empty"],
)
def test_it_refuses_files_that_are_not_workbooks(
    world: World, client_as: Callable[[str], Client], content: bytes, fragment: str
) -> None:
    client = client_as("unit_admin")
    before = snapshot()
    response = client.post(
        reverse("org:roster_import"), {"file": SimpleUploadedFile("名册.xlsx", content)}
    )
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert snapshot() == before


def test_it_refuses_a_50_mb_file_without_reading_it(
    world: World, client_as: Callable[[str], Client]
) -> None:
    big = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024))
    response = client_as("unit_admin").post(reverse("org:roster_import"), {"file": big})
    assert response.status_code == 200
    assert "超过 10 MB" in response.content.decode()


def test_the_upload_page_lists_the_imported_people(
    world: World, client_as: Callable[[str], Client]
) -> None:
    content = xlsx([row("N001", "欧阳<b>明</b>")])
    response = client_as("unit_admin").post(
        reverse("org:roster_import"), {"file": SimpleUploadedFile("名册.xlsx", content)}
    )
    page = response.content.decode()
    assert "欧阳&lt;b&gt;明&lt;/b&gt;" in page and "<b>明</b>" not in page
    assert "新增人员 1 人" in page


def test_the_template_has_the_header_row_and_allowed_values(
    world: World, client_as: Callable[[str], Client]
) -> None:
    response = client_as("unit_admin").get(reverse("org:roster_template"))
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert tuple(header) == COLUMNS
    values = [c for r in book["可选值"].iter_rows(values_only=True) for c in r if c]
    assert "D001（区人力资源和社会保障局）" in values and "T001（城关镇）" not in values


def test_an_export_reimports_without_changes(
    world: World, client_as: Callable[[str], Client]
) -> None:
    response = client_as("unit_admin").get(reverse("org:unit_export", args=[world.bureau.pk]))
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 5  # header + bureau (3) + centre (2)
    before = list(Membership.objects.order_by("pk").values())
    result = run_import(world, response.content)
    assert result.unchanged == 5 and result.memberships_opened == 0
    assert list(Membership.objects.order_by("pk").values()) == before


def test_it_imports_5000_rows_in_under_10_seconds(world: World) -> None:
    rows = [row(f"P{i:05d}", f"测试{i}", unit="D001" if i % 2 else "S001") for i in range(5000)]
    content = xlsx(rows)
    started = time.perf_counter()
    result = run_import(world, content)
    elapsed = time.perf_counter() - started
    assert result.people_created == 5000
    assert Membership.objects.filter(person__staff_no__startswith="P").count() == 5000
    assert elapsed < 10, f"5,000-row import took {elapsed:.1f} s"
