"""Attacks on the outcomes pages other than the lists (the archive, the forms, the
consequences): oversize text, bad days, forged posts. Never a 500, nothing
half-written, a Chinese refusal."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kaohe.conduct.models import DisciplineRecord
from kaohe.core.errors import ApplicationError
from kaohe.outcomes.errors import OutcomesErrorCode
from kaohe.outcomes.models import (
    ConsequenceKind,
    ConsequenceState,
    ConsequenceTask,
    RecordSource,
    YearRecord,
    YearRecordCorrection,
)
from kaohe.outcomes.services import year_record_correct
from kaohe.outcomes.tests.test_priors_import import prior, run, xlsx
from kaohe.testing import World, refused

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


def test_a_hidden_first_sheet_is_refused_not_imported(
    world: World, client_as: Callable[[str], Client]
) -> None:
    """The import read the first sheet even when hidden: the rows imported were not
    those Excel showed whoever checked the file."""
    cadre = world.people["cadre"]
    book = load_workbook(io.BytesIO(xlsx([prior(cadre.staff_no, cadre.name, 2024)])))
    hidden = book.worksheets[0]
    hidden.sheet_state = "hidden"
    shown = book.copy_worksheet(hidden)
    shown.sheet_state = "visible"
    book.active = 1
    out = io.BytesIO()
    book.save(out)
    page = client_as("region_admin").post(
        reverse("outcomes:priors_import"),
        {"file": SimpleUploadedFile("往年结果.xlsx", out.getvalue())},
    )
    assert page.status_code == 200
    assert 'data-code="core.hidden_sheet"' in page.content.decode()
    assert "是隐藏的" in page.content.decode()
    assert not YearRecord.objects.exists()


def test_invisible_characters_in_an_imported_cell_are_refused(world: World) -> None:
    """The import stored a unit's name holding a bidi override (U+202E), which every
    page typed by hand refuses: the archive then showed the name reversed."""
    cadre = world.people["cadre"]
    content = xlsx([prior(cadre.staff_no, cadre.name, 2024, 单位名称="区人社局\u202e局社人")])
    with pytest.raises(ApplicationError) as refused:
        run(world, content)
    assert "U+202E" in "\n".join(str(p) for p in refused.value.problems)
    assert not YearRecord.objects.exists()


@pytest.mark.parametrize("year", ["²026", "２０２６", "0", "99999", "-1"])
def test_an_archive_search_year_of_odd_digits_is_a_message_not_a_500(
    world: World, client_as: Callable[[str], Client], year: str
) -> None:
    """The year's check took "²026" for digits (str.isdigit) and int() failed: a 500."""
    response = client_as("region_admin").get(reverse("outcomes:archive_search"), {"year": year})
    assert response.status_code == 200
    # A year typed with a Chinese input method's full-width digits is read as the year.
    assert (response.context["f"].year == 2026) == (year == "２０２６")


def _record(world: World) -> YearRecord:
    cadre = world.people["cadre"]
    return YearRecord.objects.create(
        region=world.region,
        person=cadre,
        year=2024,
        source=RecordSource.IMPORTED,
        unit_name="区人力资源和社会保障局",
        grade="competent",
        rank_in_unit=3,
        unit_size=9,
        frozen_at=timezone.now(),
    )


@pytest.mark.parametrize("value", ["²", "9" * 30, "0", "-1", "1e3"])
def test_a_correction_of_a_count_with_odd_digits_is_refused(world: World, value: str) -> None:
    """A "²" passed the digit check and failed in int(); thirty digits overflowed the
    database driver: both were server errors instead of a refusal."""
    record = _record(world)
    with refused(OutcomesErrorCode.CORRECTION_BAD_VALUE):
        year_record_correct(
            actor=world.users["region_admin"],
            record=record,
            field="rank_in_unit",
            value=value,
            reason="复核决定更正",
            basis="",
        )
    assert not YearRecordCorrection.objects.exists()


def test_an_oversize_correction_reason_is_refused_not_cut(world: World) -> None:
    record = _record(world)
    with refused(OutcomesErrorCode.TEXT_TOO_LONG, "请删减 1 个字"):
        year_record_correct(
            actor=world.users["region_admin"],
            record=record,
            field="rank_in_unit",
            value="2",
            reason="理" * 301,
            basis="",
        )
    record.refresh_from_db()
    assert record.rank_in_unit == 3 and not YearRecordCorrection.objects.exists()


def test_the_archive_pdf_holds_the_longest_texts_the_columns_allow(
    world: World, client_as: Callable[[str], Client]
) -> None:
    """A discipline record's 200-character document (one unbroken run of Chinese) made
    reportlab's self-sized table wider than the page: the archive's PDF was a 500."""
    cadre = world.people["cadre"]
    DisciplineRecord.objects.create(
        region=world.region,
        person=cadre,
        kind="warning",
        start=dt.date(2026, 3, 2),
        document="文" * 200,
        note="注" * 300,
    )
    task = _task(world)
    ConsequenceTask.objects.filter(pk=task.pk).update(citation="据" * 400, note="谈" * 500)
    client = client_as("region_admin")
    client.raise_request_exception = False
    response = client.get(reverse("outcomes:archive_pdf", args=[cadre.pk, 2026]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
