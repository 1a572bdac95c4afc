"""Dated memberships answer "who was where, as what, on day D" with one query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaohe.core.models import AuditEvent
from kaohe.org import selectors, services
from kaohe.org.errors import OrgErrorCode
from kaohe.org.models import (
    LeadershipRole,
    Membership,
    MembershipStatus,
    QuotaPool,
    QuotaPoolMember,
)
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db
D = dt.date


def move(world: World, key: str, day: dt.date, **over: object) -> Membership:
    person = world.people[key]
    current = Membership.objects.filter(person=person).order_by("-valid_from").first()
    assert current is not None
    fields: dict[str, object] = {
        "unit": current.unit,
        "rank_level": current.rank_level,
        "personnel_category": current.personnel_category,
        "leadership_role": current.leadership_role,
        "status": current.status,
        "post": current.post,
    }
    fields.update(over)
    return services.membership_change(actor=None, person=person, valid_from=day, **fields)  # type: ignore[arg-type]


def test_a_transfer_closes_the_old_row_the_day_before(world: World) -> None:
    move(world, "cadre", D(2026, 7, 1), unit=world.town)
    rows = list(Membership.objects.filter(person=world.people["cadre"]).order_by("valid_from"))
    assert [(r.unit_id, r.valid_from, r.valid_to) for r in rows] == [
        (world.bureau.pk, D(2026, 1, 1), D(2026, 6, 30)),
        (world.town.pk, D(2026, 7, 1), None),
    ]
    on_june_30 = set(
        Membership.objects.on(D(2026, 6, 30))
        .filter(unit=world.town)
        .values_list("person__name", flat=True)
    )
    on_july_1 = set(
        Membership.objects.on(D(2026, 7, 1))
        .filter(unit=world.town)
        .values_list("person__name", flat=True)
    )
    assert "张小明" not in on_june_30 and "张小明" in on_july_1


def test_an_identical_change_is_a_no_op(world: World) -> None:
    before = (Membership.objects.count(), AuditEvent.objects.count())
    move(world, "cadre", D(2026, 9, 1))
    assert (Membership.objects.count(), AuditEvent.objects.count()) == before


def test_a_change_dated_before_the_current_row_is_refused(world: World) -> None:
    with refused(OrgErrorCode.MOVE_BEFORE_CURRENT):
        move(world, "cadre", D(2025, 12, 1), post="副科长")


def test_retirement_takes_a_person_out_of_the_assessment_scope(
    world: World,
) -> None:
    move(world, "team", D(2026, 8, 16), status=MembershipStatus.RETIRED)
    admin = world.users["region_admin"]
    q2 = {m.person.name for m in selectors.assessment_scope(admin, D(2026, 6, 30))}
    q3 = {m.person.name for m in selectors.assessment_scope(admin, D(2026, 9, 30))}
    assert "李文华" in q2 and "李文华" not in q3
    # The retiree's history is still there.
    assert Membership.objects.filter(person=world.people["team"]).count() == 2


def test_a_village_secondment_stays_in_scope_and_new_recruits_join_it(world: World) -> None:
    move(world, "centre_cadre", D(2026, 4, 1), status=MembershipStatus.VILLAGE)
    recruit = services.person_create(actor=None, region=world.region, staff_no="R1", name="新同志")
    services.membership_change(
        actor=None,
        person=recruit,
        unit=world.town,
        rank_level=world.rank("二级科员"),
        personnel_category=world.category(),
        leadership_role=LeadershipRole.STAFF,
        status=MembershipStatus.NEW_RECRUIT,
        valid_from=D(2026, 8, 1),
    )
    admin = world.users["region_admin"]
    q2 = {m.person.name for m in selectors.assessment_scope(admin, D(2026, 6, 30))}
    q3 = {m.person.name for m in selectors.assessment_scope(admin, D(2026, 9, 30))}
    assert "陈静" in q2 and "陈静" in q3
    assert "新同志" not in q2 and "新同志" in q3


def test_the_scope_is_one_query_and_respects_the_users_units(world: World) -> None:
    with CaptureQueriesContext(connection) as queries:
        names = {
            m.person.name
            for m in selectors.assessment_scope(world.users["unit_admin"], D(2026, 3, 31))
        }
    assert names == {"王建国", "李文华", "张小明", "刘洋", "陈静"}
    assert len(queries) <= 2  # the grants (cached per request) and the scope itself


def test_unit_members_on_a_day_come_leaders_first(world: World) -> None:
    members = list(selectors.unit_members(world.users["unit_head"], world.bureau, D(2026, 5, 1)))
    assert [m.leadership_role for m in members] == ["main", "team", "staff"]
    assert (
        selectors.unit_members(world.users["unit_head"], world.bureau, D(2025, 12, 31)).count() == 0
    )


def test_every_unit_is_in_exactly_one_pool_per_year(world: World) -> None:
    pool = selectors.unit_pool(world.centre, 2026)
    assert pool is not None and pool.kind == QuotaPool.Kind.MERGED
    assert pool.others == ["区人力资源和社会保障局"]  # the centre's pool, less the centre
    assert QuotaPoolMember.objects.filter(year=2026).count() == 3
    # Moving the town into a joint pool with the centre takes both out of their old pools.
    services.quota_pool_create(
        actor=None,
        region=world.region,
        year=2026,
        kind=QuotaPool.Kind.JOINT,
        units=[world.town, world.centre],
    )
    assert QuotaPoolMember.objects.filter(year=2026).count() == 3
    assert QuotaPoolMember.objects.get(unit=world.town, year=2026).pool.kind == QuotaPool.Kind.JOINT
    # The town's own pool, now empty, is gone.
    assert not QuotaPool.objects.filter(
        year=2026, kind=QuotaPool.Kind.OWN, lead_unit=world.town
    ).exists()


@pytest.mark.parametrize(
    ("kind", "units", "code"),
    [
        (QuotaPool.Kind.JOINT, ["town"], OrgErrorCode.JOINT_POOL_SIZE),
        (QuotaPool.Kind.MERGED, ["centre"], OrgErrorCode.MERGED_POOL_WITHOUT_LEAD),
        (QuotaPool.Kind.OWN, ["town", "centre"], OrgErrorCode.OWN_POOL_SIZE),
    ],
)
def test_it_refuses_malformed_pools(
    world: World, kind: QuotaPool.Kind, units: list[str], code: OrgErrorCode
) -> None:
    with refused(code):
        services.quota_pool_create(
            actor=None,
            region=world.region,
            year=2026,
            kind=kind,
            units=[getattr(world, u) for u in units],
            lead_unit=world.bureau if kind == QuotaPool.Kind.MERGED else None,
        )


def test_every_write_leaves_an_audit_row(world: World) -> None:
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "org.region.create",
        "org.unit.create",
        "org.person.create",
        "org.membership.change",
        "org.quota_pool.create",
        "org.quota_pool.complete",
        "accounts.role.grant",
    } <= actions
