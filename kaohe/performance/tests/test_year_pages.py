"""The year's pages (P2): scoped (a unit its own, the office all, other ids 404), the
forms' refusals in place, the export, and the pages' query counts."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kaohe.org.models import Unit
from kaohe.performance import services
from kaohe.performance.models import UnitYearMark, UnitYearResult
from kaohe.performance.tests.year_fixtures import YEAR, publish_month
from kaohe.testing import World

pytestmark = pytest.mark.django_db
D = Decimal
YEAR_URL = reverse("performance:year")


@pytest.fixture
def computed(categorized: World) -> World:
    w = categorized
    publish_month(w, 1, {w.bureau: D(90), w.town: D(80), w.centre: D(70)})
    publish_month(w, 2, {w.bureau: D(86), w.town: D(84), w.centre: D(72)})
    office = w.users["region_admin"]
    for unit, score in ((w.bureau, D(92)), (w.town, D(88)), (w.centre, D(75))):
        UnitYearResult.objects.create(
            unit=unit, year=YEAR, year_end=score, category_id=unit.performance_category_id
        )
    services.unit_years_compute(actor=office, region=w.region, year=YEAR)
    services.unit_year_override_set(
        actor=office,
        region=w.region,
        unit_id=w.town.pk,
        year=YEAR,
        score=D("93.5"),
        reason="经区考核委员会研究调整",
    )
    services.unit_year_mark_record(
        actor=office,
        region=w.region,
        unit_id=w.town.pk,
        year=YEAR,
        kind="criticism",
        reason="区委督查室〔2026〕7号",
    )
    return w


def _get(client: Client, url: str, **params: str | int) -> tuple[int, str]:
    response = client.get(url, {"year": YEAR, **params})
    return response.status_code, response.content.decode()


def test_the_office_sees_every_unit_a_unit_only_its_own(
    computed: World, client_as: Callable[[str], Client]
) -> None:
    w = computed
    status, page = _get(client_as("region_admin"), YEAR_URL)
    assert status == 200
    assert all(u.name in page for u in (w.bureau, w.town, w.centre))
    assert "93.50" in page and "经区考核委员会研究调整" in page and "A类" in page
    assert reverse("performance:year_compute") in page
    status, page = _get(client_as("unit_admin"), YEAR_URL)
    assert status == 200 and w.bureau.name in page and w.town.name not in page
    assert reverse("performance:year_compute") not in page
    for persona in ("cadre", "supervisor", "public"):
        assert client_as(persona).get(YEAR_URL).status_code in (302, 404), persona


def test_a_units_page_explains_its_year_and_others_are_404(
    computed: World, client_as: Callable[[str], Client]
) -> None:
    w = computed
    town_url = reverse("performance:year_unit", args=[w.town.pk])
    status, page = _get(client_as("region_admin"), town_url)
    assert status == 200
    # Months (80 + 84) / 2 = 82 × 70% + 88 × 30% = 57.4 + 26.4 = 83.80; overridden.
    assert "82.00" in page and "88.00" in page and "83.80" in page and "93.50" in page
    # Who overrode: a person by name, the office's login as the office, not its username.
    assert "经区考核委员会研究调整" in page and "考核办" in page and "region_admin" not in page
    assert "区委督查室〔2026〕7号" in page
    assert client_as("unit_head").get(town_url).status_code == 404
    assert client_as("unit_admin").get(town_url).status_code == 404
    assert client_as("other_admin").get(town_url).status_code == 404
    bureau_url = reverse("performance:year_unit", args=[w.bureau.pk])
    status, page = _get(client_as("unit_head"), bureau_url)
    assert status == 200 and "year-override-form" not in page
    assert (
        client_as("region_admin")
        .get(reverse("performance:year_unit", args=[w.foreign_unit.pk]))
        .status_code
        == 404
    )


def test_the_override_form_refuses_without_a_reason(
    computed: World, client_as: Callable[[str], Client]
) -> None:
    w = computed
    client = client_as("region_admin")
    url = reverse("performance:year_override", args=[w.bureau.pk])
    response = client.post(url, {"year": YEAR, "score": "95", "reason": ""}, follow=True)
    assert "请填写调整理由" in response.content.decode()
    assert UnitYearResult.objects.get(unit=w.bureau).override is None
    client.post(url, {"year": YEAR, "score": "95", "reason": "经区考核委员会研究调整"})
    assert UnitYearResult.objects.get(unit=w.bureau).override == D(95)
    remove = reverse("performance:year_override_remove", args=[w.bureau.pk])
    assert client_as("unit_admin").post(remove, {"year": YEAR}).status_code == 404
    client.post(remove, {"year": YEAR})
    assert UnitYearResult.objects.get(unit=w.bureau).override is None


def test_the_year_end_grid_saves_whole_and_refuses_stale_in_place(
    computed: World, client_as: Callable[[str], Client]
) -> None:
    w = computed
    a = w.bureau.performance_category_id
    assert a is not None
    url = reverse("performance:year_end", args=[a])
    client = client_as("region_admin")
    status, page = _get(client, url)
    assert status == 200 and w.bureau.name in page and w.centre.name not in page
    assert client_as("unit_admin").get(url).status_code == 404
    assert client_as("other_admin").get(url).status_code == 404
    form = {
        "year": YEAR,
        f"score-{w.bureau.pk}": "95",
        f"was-{w.bureau.pk}": "92.00",
        f"score-{w.town.pk}": "abc",
        f"was-{w.town.pk}": "88.00",
    }
    response = client.post(url, form)
    assert response.status_code == 400 and 'data-code="performance.year_bad_score"' in (
        response.content.decode()
    )
    assert UnitYearResult.objects.get(unit=w.bureau).year_end == D(92)
    form[f"score-{w.town.pk}"] = "90"
    form[f"was-{w.bureau.pk}"] = "80"  # someone saved meanwhile
    response = client.post(url, form)
    assert 'data-code="performance.year_stale"' in response.content.decode()
    form[f"was-{w.bureau.pk}"] = "92"
    assert client.post(url, form).status_code == 302
    assert UnitYearResult.objects.get(unit=w.bureau).year_end == D(95)
    # Recomputed on saving: (90 + 86) / 2 = 88 × 70% + 95 × 30% = 61.6 + 28.5 = 90.10
    assert UnitYearResult.objects.get(unit=w.bureau).computed == D("90.10")


def test_the_marks_page_records_for_the_office_and_shows_a_unit_its_own(
    computed: World, client_as: Callable[[str], Client]
) -> None:
    w = computed
    url = reverse("performance:year_marks")
    client = client_as("region_admin")
    response = client.post(
        url, {"year": YEAR, "unit": w.bureau.pk, "kind": "incentive", "reason": ""}
    )
    assert (
        response.status_code == 400
        and "performance.mark_needs_citation" in response.content.decode()
    )
    client.post(
        url,
        {"year": YEAR, "unit": w.bureau.pk, "kind": "incentive", "reason": "区委办〔2026〕12号"},
    )
    assert UnitYearMark.objects.filter(unit=w.bureau, kind="incentive").exists()
    status, page = _get(client_as("unit_admin"), url)
    assert status == 200 and "区委办〔2026〕12号" in page and "区委督查室〔2026〕7号" not in page
    assert (
        client_as("unit_admin")
        .post(
            url,
            {"year": YEAR, "unit": w.bureau.pk, "kind": "incentive", "reason": "某某文件第一号"},
        )
        .status_code
        == 404
    )
    mark = UnitYearMark.objects.get(unit=w.town)
    remove = reverse("performance:year_mark_remove", args=[mark.pk])
    assert client_as("other_admin").post(remove, {"year": YEAR}).status_code == 404
    client.post(remove, {"year": YEAR})
    assert not UnitYearMark.objects.filter(pk=mark.pk).exists()


def test_the_export_holds_the_pages_rows_scoped(
    computed: World, client_as: Callable[[str], Client]
) -> None:
    w = computed
    url = reverse("performance:year_export")
    response = client_as("region_admin").get(url, {"year": YEAR})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    names = {r[2] for r in rows[1:]}
    assert names == {w.bureau.name, w.town.name, w.centre.name}
    town = next(r for r in rows if r[2] == w.town.name)
    assert town[8] == "经区考核委员会研究调整" and D(str(town[9])) == D("93.5")
    response = client_as("unit_admin").get(url, {"year": YEAR})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert w.town.name not in {r[2] for r in book.worksheets[0].iter_rows(values_only=True)}
    assert client_as("cadre").get(url).status_code == 404


def test_the_year_page_reads_few_queries_whatever_the_units(
    computed: World, client_as: Callable[[str], Client], django_assert_max_num_queries: object
) -> None:
    w = computed
    Unit.objects.bulk_create(
        Unit(
            region=w.region,
            name=f"单位{i}",
            code=f"X{i:03d}",
            path=f"9{i:03d}/",
            performance_category_id=w.bureau.performance_category_id,
        )
        for i in range(40)
    )
    services.unit_years_compute(actor=w.users["region_admin"], region=w.region, year=YEAR)
    client = client_as("region_admin")
    client.get(YEAR_URL, {"year": YEAR})
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        assert client.get(YEAR_URL, {"year": YEAR}).status_code == 200
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        client.get(reverse("performance:year_unit", args=[w.town.pk]), {"year": YEAR})


def test_the_policys_weights_must_add_up_to_100_in_the_admin(
    world: World, client_as: Callable[[str], Client]
) -> None:
    from kaohe.performance.models import PerformancePolicy

    client = client_as("region_admin")
    url = reverse("admin:performance_performancepolicy_add")
    form = {
        "region": world.region.pk,
        "months_weight": "70",
        "year_end_weight": "40",
        "reward_places": "3",
        "public_points": "15",
    }
    response = client.post(url, form)
    assert response.status_code == 200 and "须为 100" in response.content.decode()
    assert not PerformancePolicy.objects.exists()
    form["year_end_weight"] = "30"
    assert client.post(url, form).status_code == 302
    assert PerformancePolicy.objects.get(region=world.region).year_end_weight == 30
