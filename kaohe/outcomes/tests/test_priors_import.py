"""Earlier years imported from Excel (issue 16, item 6): a good file imports every row
with its labels mapped to stored values; each kind of bad row is refused with its row
and column and nothing is written; a re-import replaces only when asked, keeping each
changed field as a correction; the years kaohe computes are refused."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from kaohe.core.errors import CoreErrorCode
from kaohe.core.models import AuditEvent
from kaohe.outcomes.errors import OutcomesErrorCode
from kaohe.outcomes.models import RecordSource, YearRecord, YearRecordCorrection
from kaohe.outcomes.priors import COLUMNS, priors_template
from kaohe.outcomes.services import year_records_import, year_records_import_rows
from kaohe.scoring.models import AnnualRun, RunState
from kaohe.testing import World, refused, roster_xlsx

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today(settings: Settings) -> Iterator[None]:
    settings.KAOHE_TODAY = TODAY
    yield


def prior(no: str, name: str, year: Any = 2025, **over: Any) -> list[Any]:
    """One valid row of the template; keyword arguments named after its headers override."""
    values: dict[str, Any] = {
        "人员编号": no,
        "姓名": name,
        "年度": year,
        "单位名称": "区人力资源和社会保障局",
        "职务": "科员",
        "职级层次": "一般干部",
        "综合得分": 88.5,
        "年度考核等次": "称职",
        "层次内排名": 3,
        "层次人数": 10,
        "单位内排名": 2,
        "单位人数": 5,
        "第一季度等次": "好",
        "第二季度等次": "较好",
        "第三季度等次": "较好",
        "第四季度等次": "好",
    }
    values.update(over)
    return [values[c] for c in COLUMNS]


def xlsx(rows: Sequence[Sequence[Any]]) -> bytes:
    return roster_xlsx(rows, header=COLUMNS)


def run(world: World, content: bytes, *, replace: bool = False, user: str = "region_admin") -> Any:
    return year_records_import(
        actor=world.users[user],
        upload=io.BytesIO(content),
        size=len(content),
        file_name="往年.xlsx",
        replace=replace,
    )


def snapshot() -> tuple[int, int, int]:
    return (
        YearRecord.objects.count(),
        YearRecordCorrection.objects.count(),
        AuditEvent.objects.filter(action="outcomes.priors.import").count(),
    )


def test_it_imports_every_row_with_the_values_mapped(world: World) -> None:
    cadre, head = world.people["cadre"], world.people["head"]
    all_good = {f"第{q}季度等次": "好" for q in "一二三四"}
    result = run(
        world,
        xlsx(
            [
                prior(cadre.staff_no, cadre.name, 2024),
                prior(cadre.staff_no, cadre.name, "2025年", 年度考核等次="优秀", **all_good),
                prior(
                    head.staff_no,
                    head.name,
                    2025,
                    职级层次="正科级",
                    年度考核等次="不定等次",
                    综合得分=None,
                    层次内排名=None,
                    层次人数=None,
                    单位名称="某已撤销单位",
                    第三季度等次=None,
                ),
            ]
        ),
    )
    assert (result.rows, result.people, result.years, result.created) == (3, 2, [2024, 2025], 3)
    assert result.by_year[2025] == {"excellent": 1, "none": 1}
    r = YearRecord.objects.get(person=cadre, year=2025)
    assert (r.source, r.run_id, r.region_id) == (RecordSource.IMPORTED, None, world.region.pk)
    assert (r.grade, r.tier, r.composite) == ("excellent", "staff", Decimal("88.50"))
    assert (r.rank_in_tier, r.tier_size, r.rank_in_unit, r.unit_size) == (3, 10, 2, 5)
    assert r.quarter_grades == ["good"] * 4 and r.priority
    assert r.unit_id == world.bureau.pk  # the name links the unit that bears it
    r = YearRecord.objects.get(person=cadre, year=2024)
    assert r.quarter_grades == ["good", "fairly_good", "fairly_good", "good"]
    assert not r.priority and r.grade == "competent"
    r = YearRecord.objects.get(person=head)
    assert (r.grade, r.tier, r.composite, r.rank_in_tier) == ("none", "section_chief", None, None)
    assert r.unit_id is None and r.unit_name == "某已撤销单位"
    assert r.quarter_grades == ["good", "fairly_good", "", "good"]
    event = AuditEvent.objects.get(action="outcomes.priors.import")
    assert event.details["rows"] == 3 and event.details["file"] == "往年.xlsx"


def test_it_lists_each_kind_of_bad_row_with_its_row_and_column_and_writes_nothing(
    world: World,
) -> None:
    cadre, head = world.people["cadre"], world.people["head"]
    foreign = world.people["foreign"]
    no, name = cadre.staff_no, cadre.name
    bad = [
        prior("NOPE", "某人"),  # 3: not on the roster
        prior(no, "张大明", 2015),  # 4: name differs from the roster
        prior(foreign.staff_no, foreign.name),  # 5: another region's person
        prior(no, name, "去年"),  # 6: not a year
        prior(no, name, 2026),  # 7: this year is kaohe's
        prior(no, name, 2023, 年度考核等次="良好"),  # 8: no such grade
        prior(no, name, 2022, 第二季度等次="优"),  # 9: no such quarter grade
        prior(no, name, 2021, 层次内排名=11),  # 10: rank beyond the size
        prior(no, name, 2020, 单位人数=None),  # 11: a rank without its size
        prior(no, name, 2019, 综合得分=120),  # 12: score beyond 100
        prior(no, name, 2018, 职级层次="处级"),  # 13: no such tier
        prior(no, name, 2017, 单位名称=""),  # 14: required
        prior(no, name, 2025),  # 15: the same person-year as row 2
        prior(no, name, 2016, 综合得分="88.555"),  # 16: three decimals
    ]
    good = [prior(no, name, 2025), prior(head.staff_no, head.name)]
    before = snapshot()
    with refused(OutcomesErrorCode.PRIORS_ROWS_INVALID) as caught:
        run(world, xlsx(good + bad))
    errors = caught.value.problems
    expected = [
        (4, "人员编号", "NOPE"),
        (5, "姓名", name),
        (6, "人员编号", foreign.staff_no),
        (7, "年度", "去年"),
        (8, "年度", "2026"),
        (9, "年度考核等次", "“良好”不存在"),
        (10, "第二季度等次", "“优”不存在"),
        (11, "层次内排名", "11"),
        (12, "单位人数", "单位内排名"),
        (13, "综合得分", "120"),
        (14, "职级层次", "“处级”不存在"),
        (15, "单位名称", "不能为空"),
        (16, "年度", "第 2 行"),
        (17, "综合得分", "88.555"),
    ]
    assert len(errors) == len(expected), errors
    for message, (line, column, fragment) in zip(errors, expected, strict=True):
        assert message.startswith(f"第 {line} 行 {column}："), message
        assert fragment in message, message
    assert snapshot() == before


def test_it_refuses_a_file_without_the_required_columns(world: World) -> None:
    content = roster_xlsx([["T0001", "张小明"]], header=["人员编号", "姓名"])
    with refused(OutcomesErrorCode.PRIORS_FILE_INVALID, match="年度"):
        run(world, content)


def test_it_refuses_what_is_not_a_workbook(world: World) -> None:
    with refused(CoreErrorCode.NOT_XLSX):
        run(world, b"staff,name\n")


def test_it_refuses_a_year_kaohe_has_computed_and_those_after_the_first(world: World) -> None:
    AnnualRun.objects.create(region=world.region, year=2024, state=RunState.COMPUTED)
    cadre = world.people["cadre"]
    rows = [prior(cadre.staff_no, cadre.name, y) for y in (2023, 2024, 2025)]
    with refused(OutcomesErrorCode.PRIORS_ROWS_INVALID) as caught:
        run(world, xlsx(rows))
    first, second = caught.value.problems
    assert first.startswith("第 3 行 年度：") and "2024" in first
    assert second.startswith("第 4 行 年度：") and "2024" in second
    assert not YearRecord.objects.exists()
    run(world, xlsx(rows[:1]))  # the year before kaohe's first is imported
    assert YearRecord.objects.get().year == 2023


def test_it_refuses_a_person_year_the_archive_holds_from_kaohe(world: World) -> None:
    cadre = world.people["cadre"]
    YearRecord.objects.create(
        region=world.region,
        person=cadre,
        year=2025,
        source=RecordSource.KAOHE,
        unit_name="区人社局",
        grade="competent",
        frozen_at=timezone.now(),
    )
    with refused(OutcomesErrorCode.PRIORS_ROWS_INVALID) as caught:
        run(world, xlsx([prior(cadre.staff_no, cadre.name)]), replace=True)
    assert caught.value.problems[0].startswith("第 2 行 年度：")
    assert "存档" in caught.value.problems[0]


def test_a_year_imported_before_is_replaced_only_when_asked_with_corrections(
    world: World,
) -> None:
    cadre = world.people["cadre"]
    run(world, xlsx([prior(cadre.staff_no, cadre.name)]))
    again = xlsx([prior(cadre.staff_no, cadre.name, 年度考核等次="优秀", 第二季度等次="好")])
    with refused(OutcomesErrorCode.PRIORS_ROWS_INVALID) as caught:
        run(world, again)
    assert "替换" in caught.value.problems[0]
    assert YearRecord.objects.get().grade == "competent"

    result = run(world, again, replace=True)
    assert (result.created, result.replaced, result.corrections) == (0, 1, 2)
    record = YearRecord.objects.get()
    assert record.grade == "excellent"
    assert record.quarter_grades == ["good", "good", "fairly_good", "good"]
    corrections = {c.field: c for c in record.corrections.all()}
    assert set(corrections) == {"grade", "quarter_grades"}
    grade = corrections["grade"]
    assert (grade.old_value, grade.new_value) == ("competent", "excellent")
    assert grade.basis == "重新导入 往年.xlsx" and grade.actor == world.users["region_admin"]
    assert corrections["quarter_grades"].old_value == "good,fairly_good,fairly_good,good"

    result = run(world, again, replace=True)  # the same again: nothing to correct
    assert (result.replaced, result.unchanged, result.corrections) == (0, 1, 0)
    assert YearRecordCorrection.objects.count() == 2


@pytest.mark.parametrize("user", ["unit_admin", "unit_head", "cadre", "other_admin"])
def test_only_the_regions_assessment_office_imports(world: World, user: str) -> None:
    cadre = world.people["cadre"]
    with pytest.raises(Exception) as caught:
        run(world, xlsx([prior(cadre.staff_no, cadre.name)]), user=user)
    assert caught.type.__name__ in {"ApplicationError", "ValidationFailed"}
    assert not YearRecord.objects.exists()


def test_the_row_level_core_takes_cells_by_header(world: World) -> None:
    cadre = world.people["cadre"]
    cells = dict(zip(COLUMNS, prior(cadre.staff_no, cadre.name, 2023), strict=True))
    result = year_records_import_rows(
        actor=world.users["region_admin"], rows=[(2, cells)], file_name="demo", today=TODAY
    )
    assert result.created == 1


def test_the_template_reimports_once_its_example_row_is_rewritten(world: World) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(priors_template()))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert sheet["A2"].value == "SF00001"  # the example row
    cadre = world.people["cadre"]
    sheet["A2"], sheet["B2"] = cadre.staff_no, cadre.name
    buffer = io.BytesIO()
    book.save(buffer)
    assert run(world, buffer.getvalue()).created == 1


def test_an_import_refreshes_the_lists_facts_of_its_years_and_every_later_one(
    world: World,
) -> None:
    """An earlier year imported after a later one is archived counts in the later one's
    lists: the 2025 record (kaohe's) is refreshed by the import of 2023 and 2024, and
    replacing 2024 with 称职 refreshes 2025 again."""
    cadre = world.people["cadre"]
    YearRecord.objects.create(
        region=world.region,
        person=cadre,
        year=2025,
        source=RecordSource.KAOHE,
        unit_name="区人社局",
        grade="excellent",
        quarter_grades=["good", "good", "average", "good"],
        frozen_at=timezone.now(),
    )
    excellent = {"年度考核等次": "优秀"}
    run(world, xlsx([prior(cadre.staff_no, cadre.name, y, **excellent) for y in (2023, 2024)]))
    later = YearRecord.objects.get(person=cadre, year=2025)
    assert (later.excellent_run, later.counted_years, later.first_year) == (3, 3, 2023)
    assert later.excellent_years == (1 << 23) | (1 << 24) | (1 << 25)
    assert (later.quarters_good, later.quarters_average, later.quarters_poor) == (3, 1, 0)
    run(world, xlsx([prior(cadre.staff_no, cadre.name, 2024)]), replace=True)
    later.refresh_from_db()
    assert (later.excellent_run, later.counted_years) == (1, 3)
    assert later.excellent_years == (1 << 23) | (1 << 25)
