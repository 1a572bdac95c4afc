"""The demo county: its shape, its dated history, its logins, and an idempotent command."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from kaohe.accounts.models import Role, RoleGrant, User
from kaohe.core.models import AuditEvent
from kaohe.demo import org as demo
from kaohe.org.errors import OrgErrorCode
from kaohe.org.models import (
    LeadershipRole,
    Membership,
    MembershipStatus,
    Person,
    PilotUnitYear,
    QuotaPool,
    QuotaPoolMember,
    RankTier,
    Region,
    Unit,
    UnitType,
)
from kaohe.testing import refused

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@dataclass(frozen=True)
class Loaded:
    region: Region
    year: int
    output: str

    @property
    def year_end(self) -> dt.date:
        # The reference date the demo is designed around.
        return dt.date(self.year, 12, 31)


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Loaded]:
    """Run `demo_load` once for the whole module, inside a transaction rolled back at
    the end: generating takes seconds, and the tests here only read. The fast hasher
    is set here because function-scoped settings fixtures do not reach this far."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("demo_load", stdout=out)
        region = Region.objects.get(code=demo.DEMO_REGION_CODE)
        yield Loaded(region=region, year=timezone.localdate().year, output=out.getvalue())
        transaction.set_rollback(True)


def latest_rows(region: Region) -> dict[int, Membership]:
    """Each person's latest membership (the one with the latest start)."""
    latest: dict[int, Membership] = {}
    for m in Membership.objects.filter(region=region).select_related("rank_level"):
        if m.person_id not in latest or m.valid_from > latest[m.person_id].valid_from:
            latest[m.person_id] = m
    return latest


def rows_by_person(region: Region) -> dict[int, list[Membership]]:
    rows: dict[int, list[Membership]] = defaultdict(list)
    for m in Membership.objects.filter(region=region).order_by("person_id", "valid_from"):
        rows[m.person_id].append(m)
    return rows


def table_counts() -> dict[str, int]:
    models = (Region, Unit, Person, Membership, User, RoleGrant, QuotaPool, QuotaPoolMember)
    counts = {model.__name__: model.objects.count() for model in models}
    counts["PilotUnitYear"] = PilotUnitYear.objects.count()
    counts["AuditEvent"] = AuditEvent.objects.count()
    return counts


@pytest.mark.django_db
def test_units_follow_the_field_report(loaded: Loaded) -> None:
    units = Unit.objects.filter(region=loaded.region)
    assert units.count() == 89
    types = Counter(units.values_list("unit_type", flat=True))
    assert types == {UnitType.TOWN: 14, UnitType.DISTRICT_UNIT: 62, UnitType.SUBORDINATE: 13}
    assert len(set(units.values_list("code", flat=True))) == 89
    assert not units.filter(performance_category__isnull=True).exists()
    for sub in units.filter(unit_type=UnitType.SUBORDINATE).select_related("parent"):
        assert sub.parent is not None
        assert sub.parent.unit_type == UnitType.DISTRICT_UNIT
        assert sub.path == f"{sub.parent.path}{sub.pk}/"
    for top in units.exclude(unit_type=UnitType.SUBORDINATE):
        assert top.parent_id is None
        assert top.path == f"{top.pk}/"
    assert PilotUnitYear.objects.filter(unit__region=loaded.region, year=loaded.year).count() == 8


@pytest.mark.django_db
def test_people_and_rank_tiers_by_latest_membership(loaded: Loaded) -> None:
    assert Person.objects.filter(region=loaded.region).count() == 1340
    latest = latest_rows(loaded.region)
    assert len(latest) == 1340
    tiers = Counter(m.rank_level.tier for m in latest.values())
    assert tiers == {
        RankTier.SECTION_CHIEF: 222,
        RankTier.DEPUTY_SECTION_CHIEF: 387,
        RankTier.STAFF: 731,
    }
    staff_nos = Person.objects.filter(region=loaded.region).values_list("staff_no", flat=True)
    assert sorted(staff_nos) == [f"SF{i:05d}" for i in range(1, 1341)]


@pytest.mark.django_db
def test_small_units_and_leadership_on_the_last_day(loaded: Loaded) -> None:
    on_day = Membership.objects.filter(region=loaded.region).on(loaded.year_end).in_scope()
    heads = Counter(on_day.values_list("unit_id", flat=True))
    roles = Counter(on_day.values_list("unit_id", "leadership_role"))
    units = list(Unit.objects.filter(region=loaded.region))
    assert sum(1 for u in units if heads[u.pk] < 8) == 16
    for unit in units:
        assert heads[unit.pk] >= 3, unit.name
        assert roles[(unit.pk, LeadershipRole.MAIN)] == 1, unit.name
        assert roles[(unit.pk, LeadershipRole.TEAM)] >= 1, unit.name


@pytest.mark.django_db
def test_memberships_never_overlap(loaded: Loaded) -> None:
    rows = rows_by_person(loaded.region)
    assert len(rows) == 1340
    for person_rows in rows.values():
        for before, after in itertools.pairwise(person_rows):
            assert before.valid_to is not None
            assert before.valid_to < after.valid_from
        # Only the last row may be open; every row lies within the demo year.
        assert all(m.valid_to is not None for m in person_rows[:-1])
        assert all(m.valid_from.year == loaded.year for m in person_rows)


@pytest.mark.django_db
def test_dated_history_of_the_year(loaded: Loaded) -> None:
    jan1 = dt.date(loaded.year, 1, 1)
    rows = rows_by_person(loaded.region)
    statuses = [[m.status for m in person_rows] for person_rows in rows.values()]
    assert sum(1 for s in statuses if s == ["on_duty"]) > 1200

    village = [r for r in rows.values() if r[-1].status == MembershipStatus.VILLAGE]
    assert len(village) == demo.VILLAGE_SECONDMENTS
    for first, second in village:
        assert first.valid_to == second.valid_from - dt.timedelta(days=1)
        assert first.unit_id == second.unit_id

    recruits = [
        r
        for r in rows.values()
        if r[-1].status in (MembershipStatus.NEW_RECRUIT, MembershipStatus.PROBATION)
    ]
    assert len(recruits) == demo.NEW_RECRUITS
    assert all(len(r) == 1 and r[0].valid_from > jan1 for r in recruits)
    assert any(r[0].status == MembershipStatus.PROBATION for r in recruits)

    retired = [r for r in rows.values() if r[-1].status == MembershipStatus.RETIRED]
    assert len(retired) == demo.RETIREMENTS
    for closed, final in retired:
        assert closed.status == MembershipStatus.ON_DUTY
        assert closed.valid_to == final.valid_from - dt.timedelta(days=1)
        assert final.valid_to is None

    transfers = [r for r in rows.values() if len({m.unit_id for m in r}) == 2]
    assert len(transfers) == demo.TRANSFERS
    for before, after in transfers:
        assert before.valid_from == jan1
        assert before.valid_to == after.valid_from - dt.timedelta(days=1)


@pytest.mark.django_db
def test_quota_pools_cover_every_unit_once(loaded: Loaded) -> None:
    pools = QuotaPool.objects.filter(region=loaded.region, year=loaded.year)
    kinds = Counter(pools.values_list("kind", flat=True))
    assert kinds[QuotaPool.Kind.MERGED] >= 2
    assert kinds[QuotaPool.Kind.JOINT] >= 1
    members = QuotaPoolMember.objects.filter(pool__in=pools)
    per_unit = Counter(members.values_list("unit_id", flat=True))
    unit_ids = set(Unit.objects.filter(region=loaded.region).values_list("pk", flat=True))
    assert set(per_unit) == unit_ids
    assert set(per_unit.values()) == {1}
    for pool in pools.filter(kind=QuotaPool.Kind.MERGED).select_related("lead_unit"):
        others = [m.unit for m in pool.members.select_related("unit") if m.unit != pool.lead_unit]
        assert others
        assert all(u.parent_id == pool.lead_unit_id for u in others)


@pytest.mark.django_db
def test_every_person_has_a_login_and_a_cadre_grant(loaded: Loaded) -> None:
    users = User.objects.filter(region=loaded.region)
    assert users.filter(person__isnull=False).count() == 1340
    # One shared hash: computing 1,340 of them would take minutes.
    assert users.values("password").distinct().count() == 1
    password = users.get(username="SF00001").password
    assert MD5PasswordHasher().verify(demo.DEMO_PASSWORD, password)

    current = {
        m.person_id: m.unit_id
        for m in Membership.objects.filter(region=loaded.region).on(loaded.year_end).in_scope()
    }
    grants = RoleGrant.objects.filter(region=loaded.region, role=Role.CADRE)
    granted = {g.user.person_id: g.unit_id for g in grants.select_related("user")}
    assert granted == current
    assert not grants.filter(include_subunits=True).exists()


@pytest.mark.django_db
def test_persona_logins_and_grants(loaded: Loaded) -> None:
    users = {u.username: u for u in User.objects.filter(region=loaded.region)}
    for login, _role in demo.PERSONAS:
        assert login in users

    def grants(login: str, role: Role) -> list[RoleGrant]:
        return list(RoleGrant.objects.filter(user=users[login], role=role).select_related("unit"))

    def role_on_day(login: str) -> Membership:
        person = users[login].person
        assert person is not None
        return Membership.objects.on(loaded.year_end).select_related("unit").get(person=person)

    admin = users["region_admin"]
    assert admin.is_staff and admin.person_id is None
    assert [g.unit for g in grants("region_admin", Role.REGION_ADMIN)] == [None]

    (unit_admin,) = grants("unit_admin", Role.UNIT_ADMIN)
    unit = unit_admin.unit
    assert unit is not None and unit.name == demo.PERSONA_UNIT
    assert unit_admin.include_subunits and unit.children.exists()

    (head,) = grants("unit_head", Role.UNIT_HEAD)
    assert head.unit == unit
    assert role_on_day("unit_head").leadership_role == LeadershipRole.MAIN
    assert role_on_day("unit_head").unit == unit

    (team,) = grants("team_member", Role.TEAM_MEMBER)
    assert team.unit == unit
    assert role_on_day("team_member").leadership_role == LeadershipRole.TEAM

    (cadre,) = grants("cadre", Role.CADRE)
    assert cadre.unit == unit and not cadre.include_subunits
    assert role_on_day("cadre").leadership_role == LeadershipRole.STAFF
    assert role_on_day("cadre").rank_level.tier == RankTier.STAFF

    (other,) = grants("cadre_other", Role.CADRE)
    assert other.unit is not None and other.unit != unit
    assert role_on_day("cadre_other").unit == other.unit

    supervised = {g.unit.name for g in grants("supervisor", Role.SUPERVISOR) if g.unit}
    assert supervised == set(demo.SUPERVISED_TOWNS)


@pytest.mark.django_db
def test_load_is_audited_once(loaded: Loaded) -> None:
    (event,) = AuditEvent.objects.filter(action="org.demo.load", region=loaded.region)
    assert event.details["people"] == 1340
    assert event.details["units"] == 89
    assert event.details["tiers"] == {
        "section_chief": 222,
        "deputy_section_chief": 387,
        "staff": 731,
    }


@pytest.mark.django_db
def test_command_output_lists_logins(loaded: Loaded) -> None:
    assert "示范区已就绪 / demo county ready" in loaded.output
    assert demo.DEMO_PASSWORD in loaded.output
    for login, _role in demo.PERSONAS:
        assert login in loaded.output
    assert "耗时 / time:" in loaded.output


@pytest.mark.django_db
def test_second_run_generates_nothing(loaded: Loaded) -> None:
    before = table_counts()
    out = StringIO()
    call_command("demo_load", "--quiet", stdout=out)
    assert table_counts() == before
    text = out.getvalue()
    assert "已存在" in text
    assert demo.DEMO_PASSWORD in text
    assert all(login in text for login, _role in demo.PERSONAS)
    with refused(OrgErrorCode.DEMO_ALREADY_LOADED):
        demo.generate_demo()


def test_plan_is_deterministic() -> None:
    def plan() -> list[tuple[str, str, str, str, str]]:
        cadres = demo._plan_cadres(random.Random(demo.SEED), 2026)
        return [(c.staff_no, c.name, c.unit, c.rank, c.event) for c in cadres]

    assert plan() == plan()
