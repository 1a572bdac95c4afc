"""Writes to organization data. Each service is atomic and appends one audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.org.errors import OrgErrorCode
from kaohe.org.models import (
    Gender,
    LeadershipRole,
    Membership,
    MembershipStatus,
    PerformanceCategory,
    Person,
    PersonnelCategory,
    QuotaPool,
    QuotaPoolMember,
    RankLevel,
    RankTier,
    Region,
    Unit,
    UnitKind,
    UnitType,
)
from kaohe.org.selectors import unit_counts_forget

# Defaults from the field reports; administrators edit them per region.
DEFAULT_PERFORMANCE_CATEGORIES = ("A", "B1", "B2", "C1", "C2", "D", "E")
DEFAULT_RANK_LEVELS: tuple[tuple[str, RankTier], ...] = (
    ("正科", RankTier.SECTION_CHIEF),
    ("一级主任科员", RankTier.SECTION_CHIEF),
    ("二级主任科员", RankTier.SECTION_CHIEF),
    ("副科", RankTier.DEPUTY_SECTION_CHIEF),
    ("三级主任科员", RankTier.DEPUTY_SECTION_CHIEF),
    ("四级主任科员", RankTier.DEPUTY_SECTION_CHIEF),
    ("一般干部", RankTier.STAFF),
    ("一级科员", RankTier.STAFF),
    ("二级科员", RankTier.STAFF),
)
DEFAULT_PERSONNEL_CATEGORIES = (
    "综合管理类",
    "专业技术类",
    "行政执法类",
    "执法勤务类",
    "警务技术类",
)


@transaction.atomic
def region_create(*, actor: User | None, name: str, code: str, level: str) -> Region:
    """Create a region with the default configuration lists."""
    if Region.objects.filter(code=code).exists():
        raise ApplicationError(
            _("Region code “%(code)s” is already in use.") % {"code": code},
            code=OrgErrorCode.REGION_CODE_TAKEN,
        )
    region = Region.objects.create(name=name, code=code, level=level)
    PerformanceCategory.objects.bulk_create(
        PerformanceCategory(region=region, name=n, sort_order=i)
        for i, n in enumerate(DEFAULT_PERFORMANCE_CATEGORIES)
    )
    RankLevel.objects.bulk_create(
        RankLevel(region=region, name=n, tier=tier, sort_order=i)
        for i, (n, tier) in enumerate(DEFAULT_RANK_LEVELS)
    )
    PersonnelCategory.objects.bulk_create(
        PersonnelCategory(region=region, name=n, sort_order=i)
        for i, n in enumerate(DEFAULT_PERSONNEL_CATEGORIES)
    )
    audit_record(actor=actor, action=AuditAction.ORG_REGION_CREATE, obj=region, region=region)
    return region


@transaction.atomic
def unit_create(
    *,
    actor: User | None,
    region: Region,
    name: str,
    code: str,
    unit_type: UnitType,
    unit_kind: UnitKind,
    parent: Unit | None = None,
    performance_category: PerformanceCategory | None = None,
    sort_order: int = 0,
) -> Unit:
    if parent is not None and parent.region_id != region.pk:
        raise ApplicationError(
            _("The supervising unit belongs to another region."),
            code=OrgErrorCode.UNIT_OF_OTHER_REGION,
        )
    if Unit.objects.filter(region=region, code=code).exists():
        raise ApplicationError(
            _("Unit code “%(code)s” is already in use.") % {"code": code},
            code=OrgErrorCode.UNIT_CODE_TAKEN,
        )
    unit = Unit.objects.create(
        region=region,
        parent=parent,
        name=name,
        code=code,
        unit_type=unit_type,
        unit_kind=unit_kind,
        performance_category=performance_category,
        sort_order=sort_order,
        depth=parent.depth + 1 if parent else 0,
    )
    # The path needs the new primary key, hence the second write.
    unit.path = (parent.path if parent else "") + Unit.path_segment(unit.pk)
    unit.save(update_fields=["path"])
    audit_record(
        actor=actor,
        action=AuditAction.ORG_UNIT_CREATE,
        obj=unit,
        region=region,
        details={"code": code, "parent": parent.pk if parent else None},
    )
    unit_counts_forget(region.pk)
    return unit


@transaction.atomic
def quota_pool_create(
    *,
    actor: User | None,
    region: Region,
    year: int,
    kind: QuotaPool.Kind,
    units: Sequence[Unit],
    name: str = "",
    lead_unit: Unit | None = None,
) -> QuotaPool:
    """Put `units` into one new pool for `year`, taking them out of their old pools.

    A merged pool is led by the supervising department; its 参公 units join it.
    A joint pool gathers units that have no supervising department (R1.3).
    """
    if not units:
        raise ApplicationError(
            _("A quota pool needs at least one unit."), code=OrgErrorCode.POOL_EMPTY
        )
    if any(unit.region_id != region.pk for unit in units):
        raise ApplicationError(
            _("Every unit of a quota pool must belong to the region."),
            code=OrgErrorCode.UNIT_OF_OTHER_REGION,
        )
    if kind == QuotaPool.Kind.OWN and len(units) != 1:
        raise ApplicationError(
            _("An own pool holds exactly one unit."), code=OrgErrorCode.OWN_POOL_SIZE
        )
    if kind == QuotaPool.Kind.MERGED and (lead_unit is None or lead_unit not in units):
        raise ApplicationError(
            _("A merged pool must include its supervising department."),
            code=OrgErrorCode.MERGED_POOL_WITHOUT_LEAD,
        )
    if kind == QuotaPool.Kind.JOINT and len(units) < 2:
        raise ApplicationError(
            _("A joint pool needs at least two units."), code=OrgErrorCode.JOINT_POOL_SIZE
        )
    lead = lead_unit or units[0]
    pool = QuotaPool.objects.create(
        region=region, year=year, kind=kind, name=name or lead.name, lead_unit=lead
    )
    unit_ids = [unit.pk for unit in units]
    old_pool_ids = set(
        QuotaPoolMember.objects.filter(unit_id__in=unit_ids, year=year).values_list(
            "pool_id", flat=True
        )
    )
    QuotaPoolMember.objects.filter(unit_id__in=unit_ids, year=year).delete()
    QuotaPoolMember.objects.bulk_create(
        QuotaPoolMember(pool=pool, unit=unit, year=year) for unit in units
    )
    # Pools left without units carry no quota; drop them.
    QuotaPool.objects.filter(pk__in=old_pool_ids, members__isnull=True).delete()
    audit_record(
        actor=actor,
        action=AuditAction.ORG_QUOTA_POOL_CREATE,
        obj=pool,
        region=region,
        details={"year": year, "kind": kind, "units": unit_ids},
    )
    unit_counts_forget(region.pk)
    return pool


@transaction.atomic
def quota_pools_complete(*, actor: User | None, region: Region, year: int) -> int:
    """Give every active unit without a pool for `year` a pool of its own."""
    pooled = QuotaPoolMember.objects.filter(year=year, unit__region=region).values("unit_id")
    loose = list(Unit.objects.filter(region=region, is_active=True).exclude(pk__in=pooled))
    pools = QuotaPool.objects.bulk_create(
        QuotaPool(region=region, year=year, kind=QuotaPool.Kind.OWN, name=u.name, lead_unit=u)
        for u in loose
    )
    QuotaPoolMember.objects.bulk_create(
        QuotaPoolMember(pool=pool, unit=unit, year=year)
        for pool, unit in zip(pools, loose, strict=True)
    )
    audit_record(
        actor=actor,
        action=AuditAction.ORG_QUOTA_POOL_COMPLETE,
        region=region,
        details={"year": year, "created": len(pools)},
    )
    unit_counts_forget(region.pk)
    return len(pools)


@transaction.atomic
def person_create(
    *,
    actor: User | None,
    region: Region,
    staff_no: str,
    name: str,
    gender: Gender | str = "",
    birth_date: dt.date | None = None,
) -> Person:
    if Person.objects.filter(region=region, staff_no=staff_no).exists():
        raise ApplicationError(
            _("Staff number “%(no)s” is already in use.") % {"no": staff_no},
            code=OrgErrorCode.STAFF_NO_TAKEN,
        )
    person = Person.objects.create(
        region=region, staff_no=staff_no, name=name, gender=gender, birth_date=birth_date
    )
    audit_record(actor=actor, action=AuditAction.ORG_PERSON_CREATE, obj=person, region=region)
    return person


@transaction.atomic
def membership_change(
    *,
    actor: User | None,
    person: Person,
    unit: Unit,
    rank_level: RankLevel,
    personnel_category: PersonnelCategory,
    leadership_role: LeadershipRole,
    status: MembershipStatus,
    valid_from: dt.date,
    post: str = "",
) -> Membership:
    """Record that from `valid_from` on, `person` holds this position.

    The open membership, if any, is closed the day before. A change identical to
    the open membership is a no-op, so re-imports change nothing.
    """
    if unit.region_id != person.region_id:
        raise ApplicationError(
            _("The unit belongs to another region."), code=OrgErrorCode.UNIT_OF_OTHER_REGION
        )
    current = (
        Membership.objects.select_for_update().filter(person=person).order_by("-valid_from").first()
    )
    fields = {
        "unit": unit,
        "post": post,
        "rank_level": rank_level,
        "personnel_category": personnel_category,
        "leadership_role": leadership_role,
        "status": status,
    }
    if current is not None:
        if all(getattr(current, key) == value for key, value in fields.items()):
            return current
        if valid_from <= current.valid_from:
            raise ApplicationError(
                _("The change must start after %(date)s, when the current position began.")
                % {"date": current.valid_from.isoformat()},
                code=OrgErrorCode.MOVE_BEFORE_CURRENT,
            )
        if current.valid_to is None or current.valid_to >= valid_from:
            current.valid_to = valid_from - dt.timedelta(days=1)
            current.save(update_fields=["valid_to"])
    membership = Membership.objects.create(
        region_id=person.region_id, person=person, valid_from=valid_from, **fields
    )
    audit_record(
        actor=actor,
        action=AuditAction.ORG_MEMBERSHIP_CHANGE,
        obj=person,
        region=unit.region,
        details={
            "unit": unit.pk,
            "post": post,
            "rank_level": rank_level.name,
            "personnel_category": personnel_category.name,
            "leadership_role": leadership_role,
            "status": status,
            "valid_from": valid_from.isoformat(),
        },
    )
    unit_counts_forget(person.region_id)
    return membership
