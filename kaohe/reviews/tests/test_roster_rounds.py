"""People imported while a round's voting is open do not join its ballots: a change
dated within the round's period is refused until the close, naming the round; one dated
after it is imported and stays out of the round (docs/decisions.md)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kaohe.org.errors import OrgErrorCode
from kaohe.org.models import Person
from kaohe.org.roster import roster_import
from kaohe.reviews import policies
from kaohe.reviews.models import ReviewRound, RoundUnit
from kaohe.testing import World, refused, roster_row, roster_xlsx

pytestmark = pytest.mark.django_db


def run_import(world: World, rows: list[list[object]]) -> object:
    content = roster_xlsx(rows)
    return roster_import(
        actor=world.users["unit_admin"], upload=io.BytesIO(content), size=len(content)
    )


def test_a_newcomer_dated_within_an_open_round_is_refused_naming_it(
    big: World,
    q1: ReviewRound,
) -> None:
    before = Person.objects.count()
    with refused(OrgErrorCode.ROSTER_ROWS_INVALID) as caught:
        run_import(big, [roster_row("N001", 起始日期="2026-03-01")])
    (error,) = caught.value.problems
    assert "2026年第1季度考评" in str(error) and "2026-03-31" in str(error)
    assert Person.objects.count() == before


def test_a_newcomer_dated_after_the_round_is_imported_and_not_on_its_ballots(
    big: World,
    q1: ReviewRound,
) -> None:
    result = run_import(big, [roster_row("N001", 起始日期="2026-04-02")])
    assert [p.label for p in result.frozen] == ["2026年第1季度考评"]  # type: ignore[attr-defined]
    newcomer = Person.objects.get(staff_no="N001")
    round_unit = RoundUnit.objects.get(round=q1, unit=big.bureau)
    assert policies.ballot_sheet(rater=newcomer, round_unit=round_unit) is None
    sheet = policies.ballot_sheet(rater=big.people["b0"], round_unit=round_unit)
    assert sheet is not None and newcomer not in sheet.targets


def test_a_transfer_dated_within_an_open_round_is_refused(
    big: World,
    q1: ReviewRound,
) -> None:
    staff_no = big.people["b0"].staff_no
    with refused(OrgErrorCode.ROSTER_ROWS_INVALID) as caught:
        run_import(big, [roster_row(staff_no, big.people["b0"].name, unit="S001")])
    assert ["2026年第1季度考评" in str(e) for e in caught.value.problems] == [True]


def test_the_import_page_names_the_open_round_and_the_rule(
    big: World,
    q1: ReviewRound,
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("unit_admin")
    page = client.get(reverse("org:roster_import")).content.decode()
    assert "2026年第1季度考评" in page and "不参加该轮考评" in page
    content = roster_xlsx([roster_row("N001", 起始日期="2026-04-02")])
    upload = SimpleUploadedFile("名册.xlsx", content)
    page = client.post(reverse("org:roster_import"), {"file": upload}).content.decode()
    assert "本次导入的人员不参加正在投票的2026年第1季度考评" in page


def test_without_an_open_round_the_page_says_nothing_of_rounds(
    world: World, client_as: Callable[[str], Client]
) -> None:
    page = client_as("unit_admin").get(reverse("org:roster_import")).content.decode()
    assert 'id="open-rounds"' not in page
