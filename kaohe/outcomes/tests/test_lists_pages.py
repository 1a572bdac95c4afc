"""The eligibility lists as read from the archive's records and shown: the lists read
from each record's facts (imported years counted, a correction followed), the pages'
scope (404 for a cadre), the Excel export's content, and query counts that do not grow
with the list."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kaohe.org.models import Person, RankTier, Unit
from kaohe.outcomes import selectors
from kaohe.outcomes.models import RecordSource, YearRecord
from kaohe.outcomes.rules import ListKind
from kaohe.outcomes.selectors import OwnEntry
from kaohe.outcomes.services import year_facts_refresh, year_record_correct
from kaohe.testing import World

PLAIN = ["fairly_good"] * 4


def record(
    person: Person,
    year: int,
    grade: str = "competent",
    *,
    unit: Unit | None,
    rank: int = 2,
    size: int = 4,
    quarters: Sequence[str] = PLAIN,
    tier: str = RankTier.STAFF,
    source: str = RecordSource.KAOHE,
) -> YearRecord:
    return YearRecord.objects.create(
        region_id=person.region_id,
        person=person,
        year=year,
        source=source,
        unit=unit,
        unit_name=unit.name if unit else "原单位",
        tier=tier,
        composite=Decimal(90 - rank),
        grade=grade,
        rank_in_tier=rank,
        tier_size=size,
        quarter_grades=list(quarters),
        frozen_at=timezone.now(),
    )


@pytest.fixture
def archived(world: World) -> World:
    """Three years of the region's cadres: 张小明 (bureau) 优秀 three years running, the
    first imported; 陈静 (centre) top of the tier in 2026 with an 一般 quarter; 赵磊
    (town) bottom with two 一般 quarters."""
    p = world.people
    for y in (2024, 2025, 2026):
        source = RecordSource.IMPORTED if y == 2024 else RecordSource.KAOHE
        record(p["cadre"], y, "excellent", unit=world.bureau, rank=2, source=source)
        record(p["centre_cadre"], y, unit=world.centre, rank=1 if y == 2026 else 3)
        record(p["town_cadre"], y, unit=world.town, rank=4)
    YearRecord.objects.filter(person=p["centre_cadre"], year=2026).update(
        quarter_grades=["good", "average", "good", "good"]
    )
    YearRecord.objects.filter(person=p["town_cadre"], year=2026).update(
        quarter_grades=["average", "fairly_good", "average", "good"]
    )
    year_facts_refresh(region_id=world.region.pk, years=[2024, 2025, 2026])
    return world


def entries_of(world: World, person: Person, year: int = 2026) -> dict[str, OwnEntry]:
    office = world.users["region_admin"]
    return {str(e.kind): e for e in selectors.eligibility_of(office, person.pk, year)}


def kinds_of(world: World, person: Person, year: int = 2026) -> set[str]:
    return set(entries_of(world, person, year))


def test_lists_read_every_archived_year_imported_ones_too(archived: World) -> None:
    p = archived.people
    assert kinds_of(archived, p["cadre"]) == {
        ListKind.PROMOTION,
        ListKind.AWARD,
        ListKind.COMMENDATION,
        ListKind.MERIT,  # 2024 (imported), 2025, 2026
        ListKind.TENURE,
    }
    merit = entries_of(archived, p["cadre"])[ListKind.MERIT]
    assert merit.figure == 3
    assert "2024" in merit.citation
    assert kinds_of(archived, p["centre_cadre"]) == {
        ListKind.PROMOTION,
        ListKind.AWARD,
        ListKind.PROSPECT,
        ListKind.TRAINING,
        ListKind.BONUS_CUT,
    }
    assert entries_of(archived, p["town_cadre"])[ListKind.BONUS_CUT].figure == 20
    # 3 counted years for each: 2026 completes no step (2) nor level (5).
    for name in ("cadre", "centre_cadre", "town_cadre"):
        assert ListKind.PAY not in kinds_of(archived, p[name])


def test_a_recorded_correction_moves_the_later_years_lists(archived: World) -> None:
    """Correcting 2025 of 张小明 from 优秀 to 称职 breaks the run: 2026 is no 三等功 and
    has one 优秀 fewer for tenure; the correction refreshed the later year's facts."""
    cadre = archived.people["cadre"]
    assert entries_of(archived, cadre)[ListKind.TENURE].figure == 18
    year_record_correct(
        actor=archived.users["region_admin"],
        record=YearRecord.objects.get(person=cadre, year=2025),
        field="grade",
        value="competent",
        reason="复核决定改为称职",
        basis="复核决定",
    )
    after = entries_of(archived, cadre)
    assert ListKind.MERIT not in after
    assert after[ListKind.TENURE].figure == 12
    # The town cadre's quarters corrected: off the training list, no bonus cut.
    town = YearRecord.objects.get(person=archived.people["town_cadre"], year=2026)
    year_record_correct(
        actor=archived.users["region_admin"],
        record=town,
        field="quarter_grades",
        value="fairly_good,fairly_good,fairly_good,good",
        reason="复核决定改正季度等次",
        basis="复核决定",
    )
    assert kinds_of(archived, archived.people["town_cadre"]) == set()


# ---------------------------------------------------------------- pages and scope


def test_office_sees_the_lists_with_rule_and_basis(
    archived: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    index = client.get(reverse("outcomes:lists"))
    assert index.status_code == 200
    text = index.content.decode()
    assert "提拔任用领导职务" in text
    page = client.get(reverse("outcomes:list", args=["promotion"]), {"year": 2026})
    text = page.content.decode()
    assert "年度综合得分在同职级层次前 50%" in text  # the rule at the top
    assert "张小明" in text and "陈静" in text and "赵磊" not in text
    assert "2026 年度综合得分在同职级层次前 50%（第 1 名 / 共 4 人）" in text
    assert "近年（2024—2026 年度）有优秀等次：2024、2025、2026 年度" in text


def test_filters_by_unit_and_tier(archived: World, client_as: Callable[[str], Client]) -> None:
    client = client_as("region_admin")
    url = reverse("outcomes:list", args=["promotion"])
    text = client.get(url, {"year": 2026, "unit": archived.centre.pk}).content.decode()
    assert "陈静" in text and "张小明" not in text
    text = client.get(url, {"year": "2026", "tier": str(RankTier.SECTION_CHIEF)}).content.decode()
    assert "陈静" not in text and "张小明" not in text
    # A unit of another region is dropped, not an error.
    text = client.get(url, {"year": 2026, "unit": archived.foreign_unit.pk}).content.decode()
    assert "陈静" in text and "张小明" in text


def test_unit_head_sees_their_units_only(
    archived: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("unit_head")  # head of the bureau
    text = client.get(reverse("outcomes:list", args=["award"]), {"year": 2026}).content.decode()
    assert "张小明" in text
    assert "赵磊" not in text
    counts = {s.kind: s.count for s in selectors.list_summaries(archived.users["unit_head"], 2026)}
    # The town's 赵磊 is not counted (陈静 of the centre is, where the grant covers it).
    assert counts[ListKind.BONUS_CUT] <= 1
    assert counts[ListKind.COMMENDATION] == 1


@pytest.mark.parametrize("persona", ["cadre", "team_member", "supervisor"])
def test_cadres_do_not_see_lists(
    archived: World, client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    assert client.get(reverse("outcomes:lists")).status_code == 404
    assert client.get(reverse("outcomes:list", args=["promotion"])).status_code == 404
    url = reverse("outcomes:list_export", args=["promotion"])
    assert client.get(url, {"year": 2026}).status_code == 404


def test_another_region_sees_none_of_ours(
    archived: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("other_admin")
    text = client.get(reverse("outcomes:list", args=["promotion"])).content.decode()
    assert "张小明" not in text
    url = reverse("outcomes:list_export", args=["promotion"])
    assert client.get(url, {"year": 2026}).status_code == 404
    assert client.get(reverse("outcomes:list", args=["nonsense"])).status_code == 404


def test_export_holds_the_list(archived: World, client_as: Callable[[str], Client]) -> None:
    response = client_as("region_admin").get(
        reverse("outcomes:list_export", args=["bonus_cut"]), {"year": 2026}
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)  # type: ignore[attr-defined]
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:2] == ("人员编号", "姓名")
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == {"陈静", "赵磊"}
    assert by_name["赵磊"][8] == 20
    assert (
        by_name["赵磊"][9] == "2026 年度 2 个季度为一般及以下等次，每个扣减 10%：年度奖金共扣减 20%"
    )
    assert by_name["陈静"][7] == "称职"


def test_list_page_queries_do_not_grow(archived: World, client_as: Callable[[str], Client]) -> None:
    client = client_as("region_admin")
    url = reverse("outcomes:list", args=["award"])
    client.get(url, {"year": 2026})  # warm the caches (grants, policy)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"year": 2026})
    unit = archived.town
    for n in range(30):
        person = Person.objects.create(
            region=archived.region, staff_no=f"X{n}", name=f"新人{n}", gender="M"
        )
        for y in (2025, 2026):
            record(person, y, "excellent", unit=unit, rank=1, size=40)
    year_facts_refresh(region_id=archived.region.pk, years=[2025, 2026])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"year": 2026})
    assert "新人29" in response.content.decode()
    assert len(many) == len(few)


# ---------------------------------------------------------------- eligibility_of


def test_eligibility_of_own_and_in_scope(archived: World) -> None:
    p, u = archived.people, archived.users
    own = selectors.eligibility_of(u["cadre"], p["cadre"].pk, 2026)
    assert [e.kind for e in own][:3] == [ListKind.PROMOTION, ListKind.AWARD, ListKind.COMMENDATION]
    assert selectors.eligibility_of(u["unit_head"], p["cadre"].pk, 2026)
    assert selectors.eligibility_of(u["region_admin"], p["town_cadre"].pk, 2026)
    for user, person in [
        (u["cadre"], p["centre_cadre"]),
        (u["unit_head"], p["town_cadre"]),
        (u["other_admin"], p["cadre"]),
    ]:
        with pytest.raises(Http404):
            selectors.eligibility_of(user, person.pk, 2026)
