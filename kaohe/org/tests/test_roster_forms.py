"""The roster template's drop-downs and 可选值, the import's wording and its refusals
shown once (issue 13, item 6)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kaohe.org.models import Membership, Person
from kaohe.org.roster import COLUMNS, VALUES_SHEET
from kaohe.testing import World, roster_row, roster_xlsx

pytestmark = pytest.mark.django_db


def template_book(client: Client) -> bytes:
    response = client.get(reverse("org:roster_template"))
    assert response.status_code == 200
    return response.content


def test_the_template_offers_drop_downs_over_the_allowed_values(
    world: World, client_as: Callable[[str], Client]
) -> None:
    book = load_workbook(io.BytesIO(template_book(client_as("unit_admin"))))
    sheet = book.worksheets[0]
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    values = book[VALUES_SHEET]
    for header in ("单位编码", "职级", "人员类别", "领导角色", "状态", "性别"):
        letter = "ABCDEFGHIJK"[COLUMNS.index(header)]
        formula = lists[f"{letter}2"]
        # The list is the column of 可选值 under the same header, every value and no blank.
        source = formula.split("!")[1].replace("$", "")
        first, last = source.split(":")
        assert values[f"{first[0]}1"].value == header
        assert all(values[f"{first[0]}{n}"].value for n in range(2, int(last[1:]) + 1))
        assert values[f"{first[0]}{int(last[1:]) + 1}"].value is None
        assert formula.startswith(f"'{VALUES_SHEET}'!")
    checks = sheet.data_validations.dataValidation
    assert all(v.type == "list" and v.showErrorMessage for v in checks)


def test_a_row_filled_from_the_template_values_imports(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")
    book = load_workbook(io.BytesIO(template_book(client)))
    values = book[VALUES_SHEET]
    by_header = {
        values.cell(1, c).value: values.cell(2, c).value for c in range(1, values.max_column + 1)
    }
    sheet = book.worksheets[0]
    row = roster_row("N100", "陆明")
    for header, value in by_header.items():
        row[COLUMNS.index(header)] = value
    sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(
        reverse("org:roster_import"),
        {"file": SimpleUploadedFile("名册.xlsx", buffer.getvalue())},
        follow=True,
    )
    page = response.content.decode()
    assert "新增人员 1 人" in page, page
    unit_code = str(by_header["单位编码"]).split("（")[0]
    assert Membership.objects.get(person__staff_no="N100").unit.code == unit_code


def test_new_people_are_reported_as_new_and_changes_as_changes(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_admin")

    def upload(rows: list[list[object]]) -> str:
        content = roster_xlsx(rows)
        response = client.post(
            reverse("org:roster_import"), {"file": SimpleUploadedFile("名册.xlsx", content)}
        )
        return response.content.decode()

    page = upload([roster_row("N001"), roster_row("N002", "吴芳")])
    assert "新增人员 2 人，职务变动 0 条" in page
    assert page.count("<td>新增人员</td>") == 2
    page = upload(
        [roster_row("N001", 职务="副科长", 起始日期="2026-06-01"), roster_row("N002", "吴芳")]
    )
    assert "新增人员 0 人，职务变动 1 条，未变化 1 条" in page
    assert "<td>职务变动</td>" in page and "<td>未变化</td>" in page


def test_a_file_that_is_not_excel_is_refused_with_one_message(
    world: World, client_as: Callable[[str], Client]
) -> None:
    response = client_as("unit_admin").post(
        reverse("org:roster_import"), {"file": SimpleUploadedFile("名册.xlsx", b"a,b\n1,2\n")}
    )
    page = response.content.decode()
    assert page.count("不是 Excel .xlsx 文件") == 1
    assert Person.objects.filter(staff_no="a").count() == 0
