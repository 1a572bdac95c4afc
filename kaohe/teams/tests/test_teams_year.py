"""The teams' year through its services and pages: inputs gathered, entries saved whole
or not at all (stale saves refused), compute, publish, scope (404 elsewhere), query
counts, the export, and the pages' wording."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal as D

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kaohe.core.models import AuditEvent
from kaohe.org.models import Unit
from kaohe.performance.models import UnitYearResult
from kaohe.teams import selectors, services
from kaohe.teams.errors import TeamErrorCode
from kaohe.teams.models import TeamEntry, TeamPolicy, TeamYear, TeamYearResult
from kaohe.teams.policies import policy_forget
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db
YEAR = 2026
YEAR_URL = reverse("teams:year")


def row(unit: Unit, version: int = 0, **values: str) -> services.EntryInput:
    scores = {
        k: (D(values[k]) if values.get(k) else None)
        for k in ("democratic", "leader", "public", "party")
    }
    return services.EntryInput(
        unit_id=unit.pk,
        shown_version=version,
        evidence=values.get("evidence", "考核组评分表"),
        **scores,
    )


def full(world: World, performance: dict[str, str] | None = None) -> None:
    """Every team's figures: units' performance and the office's four entries."""
    performance = performance or {"bureau": "90", "centre": "80", "town": "70"}
    for key, value in performance.items():
        UnitYearResult.objects.create(unit=getattr(world, key), year=YEAR, computed=D(value))
    admin = world.users["region_admin"]
    services.team_entries_save(
        actor=admin,
        region_id=world.region.pk,
        year=YEAR,
        rows=[
            row(world.bureau, democratic="95", leader="90", public="85", party="100"),
            row(world.centre, democratic="80", leader="80", public="80", party="80"),
            row(world.town, democratic="60", leader="70", public="70", party="70"),
        ],
    )


def test_the_team_is_the_units_leaders_on_the_last_day(world: World) -> None:
    full(world)
    services.team_year_compute(
        actor=world.users["region_admin"], region_id=world.region.pk, year=YEAR
    )
    bureau = TeamYearResult.objects.get(unit=world.bureau, year=YEAR)
    assert [m["name"] for m in bureau.members] == ["王建国", "李文华"]  # main leader first
    assert not TeamYearResult.objects.filter(unit=world.foreign_unit).exists()
    # 90×0.6 + 95×0.1 + 90×0.1 + 85×0.1 + 100×0.1 = 54 + 37 = 91
    assert bureau.composite == D("91.00") and bureau.rank == 1
    # Three teams × 20% rounds down to none: 91 is in the band, beyond the quota.
    assert bureau.grade == "good"
    assert AuditEvent.objects.filter(action="teams.year.compute").count() == 1


def test_quota_and_policy_from_the_region(world: World) -> None:
    TeamPolicy.objects.create(region=world.region, excellent_share=D(34))
    policy_forget(world.region.pk)
    full(world)
    services.team_year_compute(
        actor=world.users["region_admin"], region_id=world.region.pk, year=YEAR
    )
    grades = dict(TeamYearResult.objects.values_list("unit_id", "grade"))
    assert grades == {world.bureau.pk: "excellent", world.centre.pk: "good", world.town.pk: "fair"}


def test_a_bad_policy_is_refused(world: World) -> None:
    TeamPolicy.objects.create(region=world.region, performance_weight=D(70))
    policy_forget(world.region.pk)
    with refused(TeamErrorCode.BAD_POLICY):
        services.team_year_compute(
            actor=world.users["region_admin"], region_id=world.region.pk, year=YEAR
        )


def test_democratic_from_the_annual_round_where_it_rated_the_team(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    scores = {world.people["head"].pk: D("90"), world.people["team"].pk: D("85")}
    monkeypatch.setattr(selectors, "_round_scores", lambda region_id, year: scores)
    full(world)
    services.team_year_compute(actor=None, region_id=world.region.pk, year=YEAR)
    bureau = TeamYearResult.objects.get(unit=world.bureau)
    assert bureau.democratic == D("87.50")  # the round's mean, not the 95 typed
    assert TeamYearResult.objects.get(unit=world.town).democratic == D("60")  # typed


def test_missing_components_listed_and_publish_refused(world: World) -> None:
    admin = world.users["region_admin"]
    services.team_entries_save(
        actor=admin, region_id=world.region.pk, year=YEAR, rows=[row(world.bureau, leader="90")]
    )
    services.team_year_compute(actor=admin, region_id=world.region.pk, year=YEAR)
    bureau = TeamYearResult.objects.get(unit=world.bureau)
    assert bureau.composite is None and bureau.grade == "" and bureau.rank is None
    assert bureau.missing == ["performance", "democratic", "public", "party"]
    with refused(TeamErrorCode.INCOMPLETE) as caught:
        services.team_year_publish(actor=admin, region_id=world.region.pk, year=YEAR)
    assert "城关镇" in caught.value.problems


def test_entries_all_or_nothing_and_stale_refused(world: World) -> None:
    admin = world.users["region_admin"]
    with refused(TeamErrorCode.BAD_ENTRY) as caught:
        services.team_entries_save(
            actor=admin,
            region_id=world.region.pk,
            year=YEAR,
            rows=[row(world.bureau, leader="90"), row(world.town, leader="101")],
        )
    assert len(caught.value.problems) == 1
    assert not TeamEntry.objects.exists()
    for bad in ("88.555", "-1", "NaN"):
        with refused(TeamErrorCode.BAD_ENTRY):
            services.team_entries_save(
                actor=admin,
                region_id=world.region.pk,
                year=YEAR,
                rows=[row(world.bureau, leader=bad)],
            )
    with refused(TeamErrorCode.BAD_ENTRY):
        services.team_entries_save(
            actor=admin,
            region_id=world.region.pk,
            year=YEAR,
            rows=[row(world.bureau, leader="90", evidence=" ")],
        )
    assert (
        services.team_entries_save(
            actor=admin, region_id=world.region.pk, year=YEAR, rows=[row(world.bureau, leader="90")]
        )
        == 1
    )
    # Someone else's page, opened before that save, still shows version 0.
    with refused(TeamErrorCode.STALE_ENTRY):
        services.team_entries_save(
            actor=admin, region_id=world.region.pk, year=YEAR, rows=[row(world.bureau, leader="80")]
        )
    assert TeamEntry.objects.get().leader == D("90")
    with refused(TeamErrorCode.UNKNOWN_UNIT):
        services.team_entries_save(
            actor=admin,
            region_id=world.region.pk,
            year=YEAR,
            rows=[row(world.foreign_unit, 1, leader="80")],
        )


def test_only_the_office_writes(world: World) -> None:
    for who in ("unit_head", "unit_admin", "other_admin"):
        with refused(
            __import__("kaohe.accounts.errors", fromlist=["x"]).AccountErrorCode.NOT_REGION_OFFICE
        ):
            services.team_year_compute(actor=world.users[who], region_id=world.region.pk, year=YEAR)


def test_workflow_computed_then_published_then_final(world: World) -> None:
    admin = world.users["region_admin"]
    with refused(TeamErrorCode.NOT_COMPUTED):
        services.team_year_publish(actor=admin, region_id=world.region.pk, year=YEAR)
    full(world)
    services.team_year_compute(actor=admin, region_id=world.region.pk, year=YEAR)
    services.team_entries_save(
        actor=admin,
        region_id=world.region.pk,
        year=YEAR,
        rows=[row(world.town, 1, democratic="61", leader="70", public="70", party="70")],
    )
    with refused(TeamErrorCode.ENTRIES_CHANGED):
        services.team_year_publish(actor=admin, region_id=world.region.pk, year=YEAR)
    services.team_year_compute(actor=admin, region_id=world.region.pk, year=YEAR)
    services.team_year_publish(actor=admin, region_id=world.region.pk, year=YEAR)
    assert TeamYear.objects.get().state == TeamYear.State.PUBLISHED
    with refused(TeamErrorCode.PUBLISHED):
        services.team_year_compute(actor=admin, region_id=world.region.pk, year=YEAR)
    with refused(TeamErrorCode.PUBLISHED):
        services.team_entries_save(actor=admin, region_id=world.region.pk, year=YEAR, rows=[])


def test_publish_refused_when_the_units_year_changed_after_the_computation(
    world: World,
) -> None:
    """The 60% part is the unit's year, which the office may override or recompute after
    the teams' year was computed: the teams' year is then not published as it stands."""
    admin = world.users["region_admin"]
    full(world)
    services.team_year_compute(actor=admin, region_id=world.region.pk, year=YEAR)
    UnitYearResult.objects.filter(unit=world.town, year=YEAR).update(
        override=D("50"), override_reason="复核调整分数"
    )
    with refused(TeamErrorCode.INPUTS_CHANGED):
        services.team_year_publish(actor=admin, region_id=world.region.pk, year=YEAR)
    services.team_year_compute(actor=admin, region_id=world.region.pk, year=YEAR)
    services.team_year_publish(actor=admin, region_id=world.region.pk, year=YEAR)
    assert TeamYearResult.objects.get(unit=world.town).performance == D("50")


def _published(world: World) -> None:
    full(world)
    admin = world.users["region_admin"]
    services.team_year_compute(actor=admin, region_id=world.region.pk, year=YEAR)
    services.team_year_publish(actor=admin, region_id=world.region.pk, year=YEAR)


def test_scope_of_the_pages(world: World, client_as: Callable[[str], Client]) -> None:
    full(world)
    services.team_year_compute(
        actor=world.users["region_admin"], region_id=world.region.pk, year=YEAR
    )
    bureau = TeamYearResult.objects.get(unit=world.bureau)
    town = TeamYearResult.objects.get(unit=world.town)
    url = reverse("teams:result", args=[bureau.pk])
    # Before publishing, only the office sees results.
    assert client_as("region_admin").get(url).status_code == 200
    assert client_as("unit_head").get(url).status_code == 404
    assert (
        "区人力资源和社会保障局"
        not in client_as("unit_head").get(f"{YEAR_URL}?year={YEAR}").content.decode()
    )
    services.team_year_publish(
        actor=world.users["region_admin"], region_id=world.region.pk, year=YEAR
    )
    for who in ("unit_head", "team_member", "unit_admin"):
        assert client_as(who).get(url).status_code == 200, who
        assert client_as(who).get(reverse("teams:result", args=[town.pk])).status_code == 404, who
        page = client_as(who).get(f"{YEAR_URL}?year={YEAR}").content.decode()
        assert "区人力资源和社会保障局" in page and "城关镇" not in page
    other = client_as("other_admin")  # another region's office: its own (empty) year
    assert other.get(url).status_code == 404
    assert "区人力资源和社会保障局" not in other.get(f"{YEAR_URL}?year={YEAR}").content.decode()
    for who in ("cadre", "cadre_other", "supervisor"):
        assert client_as(who).get(url).status_code == 404, who
        assert client_as(who).get(YEAR_URL).status_code == 404, who
        assert client_as(who).get(reverse("teams:export")).status_code == 404, who
    for who in ("unit_head", "team_member", "unit_admin", "cadre"):
        assert client_as(who).get(reverse("teams:entry")).status_code == 404, who
        assert client_as(who).post(reverse("teams:compute"), {"year": YEAR}).status_code == 404, who
        assert client_as(who).post(reverse("teams:publish"), {"year": YEAR}).status_code == 404, who
    assert client_as("public").get(YEAR_URL).status_code == 302


def test_export_is_scoped(world: World, client_as: Callable[[str], Client]) -> None:
    _published(world)

    def units(who: str) -> list[str]:
        response = client_as(who).get(reverse("teams:export"), {"year": YEAR})
        assert response.status_code == 200
        assert isinstance(response, StreamingHttpResponse)
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        return [str(r[0]) for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)]

    assert units("region_admin") == ["区人力资源和社会保障局", "区就业服务中心", "城关镇"]
    assert "城关镇" not in units("unit_head")


def test_query_counts_do_not_grow_with_teams(
    world: World,
    client_as: Callable[[str], Client],
    django_assert_max_num_queries: Callable[[int], AbstractContextManager[object]],
) -> None:
    _published(world)
    client = client_as("region_admin")
    client.get(YEAR_URL)  # warm the caches
    result = TeamYearResult.objects.get(unit=world.bureau)
    for url in (
        f"{YEAR_URL}?year={YEAR}",
        reverse("teams:result", args=[result.pk]),
        f"{reverse('teams:entry')}?year={YEAR}",
    ):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(20):
        services.team_year_compute(actor=None, region_id=world.region.pk, year=YEAR + 1)


def test_grid_page_saves_and_refuses_stale(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    url = reverse("teams:entry")
    page = client.get(url, {"year": YEAR}).content.decode()
    assert f'name="leader-{world.bureau.pk}"' in page
    data = {
        "year": YEAR,
        f"v-{world.bureau.pk}": "0",
        f"leader-{world.bureau.pk}": "88.5",
        f"evidence-{world.bureau.pk}": "述职评议表",
    }
    for unit in (world.centre, world.town):
        data[f"v-{unit.pk}"] = "0"
    assert client.post(url, data).status_code == 302
    assert TeamEntry.objects.get(unit=world.bureau).leader == D("88.5")
    response = client.post(url, {**data, f"leader-{world.bureau.pk}": "70"})
    assert response.status_code == 400
    body = response.content.decode()
    assert TeamErrorCode.STALE_ENTRY.value in body and 'value="70"' in body
    response = client.post(
        url, {**data, f"v-{world.bureau.pk}": "1", f"leader-{world.bureau.pk}": "abc"}
    )
    assert response.status_code == 400 and TeamEntry.objects.get(unit=world.bureau).leader == D(
        "88.5"
    )


def test_pages_read_in_chinese(world: World, client_as: Callable[[str], Client]) -> None:
    _published(world)
    client = client_as("region_admin")
    result = TeamYearResult.objects.get(unit=world.bureau)
    page = client.get(reverse("teams:result", args=[result.pk])).content.decode()
    assert "单位绩效考核：90.00 × 权重 60% = 54.00分" in page, page
    assert "领导班子考核" in client.get(YEAR_URL).content.decode()
    for url in (YEAR_URL, reverse("teams:result", args=[result.pk]), reverse("teams:entry")):
        body = client.get(url).content.decode()
        for english in (
            "Leadership team",
            "Unit performance",
            "Public survey",
            "missing",
            "excellent",
            "Party building",
        ):
            assert english not in body, (url, english)


def test_the_admin_refuses_weights_not_adding_up(world: World) -> None:
    from django.core.exceptions import ValidationError

    policy = TeamPolicy(region=world.region, performance_weight=D(50))
    with pytest.raises(ValidationError):
        policy.full_clean()
    policy = TeamPolicy(region=world.region, good_from=D(95))
    with pytest.raises(ValidationError):
        policy.full_clean()
    TeamPolicy(region=world.region, performance_weight=D(50), party_weight=D(20)).full_clean()


def test_the_year_pages_by_a_hundred(
    world: World, client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaohe.teams import views

    _published(world)
    monkeypatch.setattr(views, "PER_PAGE", 2)
    client = client_as("region_admin")
    first = client.get(YEAR_URL, {"year": YEAR}).content.decode()
    second = client.get(YEAR_URL, {"year": str(YEAR), "page": "2"}).content.decode()
    assert "区人力资源和社会保障局" in first and "城关镇" not in first
    assert "城关镇" in second and "区人力资源和社会保障局" not in second
    assert client.get(YEAR_URL, {"year": str(YEAR), "page": "99"}).status_code == 200


def test_a_team_member_with_a_cadres_login_sees_their_team_once_published(
    world: World, client_as: Callable[[str], Client]
) -> None:
    from kaohe.accounts.models import Role, User
    from kaohe.accounts.services import role_grant
    from kaohe.core.models import Notification

    # 刘洋 leads the centre; his login carries only a cadre's grant.
    user = User.objects.create_user(
        username="liuyang", password="x", region=world.region, person=world.people["centre_head"]
    )
    role_grant(actor=None, user=user, role=Role.CADRE, unit=world.centre)
    client = Client()
    client.force_login(user)
    full(world)
    services.team_year_compute(actor=None, region_id=world.region.pk, year=YEAR)
    centre = TeamYearResult.objects.get(unit=world.centre)
    bureau = TeamYearResult.objects.get(unit=world.bureau)
    assert client.get(reverse("teams:result", args=[centre.pk])).status_code == 404
    services.team_year_publish(actor=None, region_id=world.region.pk, year=YEAR)
    assert client.get(reverse("teams:result", args=[centre.pk])).status_code == 200
    assert client.get(reverse("teams:result", args=[bureau.pk])).status_code == 404
    page = client.get(YEAR_URL, {"year": str(YEAR)}).content.decode()
    assert "区就业服务中心" in page and "城关镇" not in page
    # Every team member was told; a cadre outside any team was not, and still sees 404.
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert {"liuyang", "unit_head", "team_member"} <= told and "cadre" not in told
    assert client_as("cadre").get(YEAR_URL).status_code == 404


def test_a_units_year_above_100_counts_as_100_in_the_team(world: World) -> None:
    """Bonuses and 民评 may take a unit's year past 100; the team's 60% reads it as 100."""
    admin = world.users["region_admin"]
    full(world, performance={"bureau": "104.50", "centre": "80", "town": "70"})
    services.team_year_compute(actor=admin, region_id=world.region.pk, year=YEAR)
    assert TeamYearResult.objects.get(unit=world.bureau).performance == D("100")
