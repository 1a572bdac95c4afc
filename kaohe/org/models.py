"""Regions, the unit tree, quota pools, people and their dated memberships (R1)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A county, district or city whose organization department runs kaohe."""

    class Level(models.TextChoices):
        COUNTY = "county", _("County")
        DISTRICT = "district", _("District")
        CITY = "city", _("City")
        PROVINCE = "province", _("Province")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RegionListItem(models.Model):
    """Base for the per-region configuration lists administrators edit."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, verbose_name=_("region"))
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["region", "sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class PerformanceCategory(RegionListItem):
    """Unit performance category (R1.1), e.g. A, B1, B2, C1, C2, D, E."""

    class Meta(RegionListItem.Meta):
        verbose_name = _("unit performance category")
        verbose_name_plural = _("unit performance categories")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="uniq_perf_category_name")
        ]


class RankTier(models.TextChoices):
    """The three bands rankings are made within (R5.10)."""

    SECTION_CHIEF = "section_chief", _("Section chief level")
    DEPUTY_SECTION_CHIEF = "deputy_section_chief", _("Deputy section chief level")
    STAFF = "staff", _("General cadre")


class RankLevel(RegionListItem):
    """A post or grade level (职务/职级); `tier` groups it for rankings and quotas."""

    tier = models.CharField(_("tier"), max_length=32, choices=RankTier.choices)

    class Meta(RegionListItem.Meta):
        verbose_name = _("rank level")
        verbose_name_plural = _("rank levels")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="uniq_rank_level_name")
        ]


class PersonnelCategory(RegionListItem):
    """综合管理类, 专业技术类, 行政执法类, and the police categories (R1.4)."""

    class Meta(RegionListItem.Meta):
        verbose_name = _("personnel category")
        verbose_name_plural = _("personnel categories")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="uniq_personnel_category_name")
        ]


class UnitType(models.TextChoices):
    """Decides how evaluation is set up for the unit (R1.1)."""

    TOWN = "town", _("Town / subdistrict")
    DISTRICT_UNIT = "district_unit", _("District-level unit")
    SUBORDINATE = "subordinate", _("Subordinate unit")


class UnitKind(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("Administrative organ")
    CIVIL_SERVICE_MANAGED = "civil_service_managed", _("Civil-service-managed unit")
    MASS_ORGANIZATION = (
        "mass_organization",
        _("Civil-service-managed mass organization / institution"),
    )


class Unit(models.Model):
    """A node of the unit tree. `path` is the chain of ancestor ids, so a subtree
    is one indexed prefix query (``path__startswith``) rather than a recursive walk."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="units", verbose_name=_("region")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("supervising unit"),
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("unit code"), max_length=32)
    unit_type = models.CharField(_("unit type"), max_length=32, choices=UnitType.choices)
    unit_kind = models.CharField(_("unit kind"), max_length=32, choices=UnitKind.choices)
    performance_category = models.ForeignKey(
        PerformanceCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("performance category"),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="uniq_unit_code")]
        indexes = [
            models.Index(fields=["region", "path"]),
            # The unit tree's two orders (org.selectors ROOTS_ORDER, CHILDREN_ORDER): a
            # page of a level reads its rows in index order and stops.
            models.Index(
                fields=["region", "depth", "sort_order", "code"], name="org_unit_tree_roots"
            ),
            models.Index(fields=["parent", "sort_order", "code"], name="org_unit_tree_children"),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def path_segment(pk: int) -> str:
        return f"{pk}/"


class PilotUnitYear(models.Model):
    """The unit is a routine-assessment pilot (平时考核联系点) in `year` (R1.6)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="pilot_years", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        verbose_name = _("pilot unit year")
        verbose_name_plural = _("pilot unit years")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="uniq_pilot_unit_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit_id}"


class QuotaPool(models.Model):
    """Units whose cadres share one quota for 好 and 优秀 in a year (R1.3)."""

    class Kind(models.TextChoices):
        OWN = "own", _("Own pool")
        MERGED = "merged", _("Merged into supervising department")
        JOINT = "joint", _("Joint assessment")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="quota_pools", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    lead_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_pools",
        verbose_name=_("lead unit"),
    )

    class Meta:
        verbose_name = _("quota pool")
        verbose_name_plural = _("quota pools")
        ordering = ["year", "name"]
        indexes = [models.Index(fields=["region", "year"])]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class QuotaPoolMember(models.Model):
    """Membership of a unit in a pool; the unique (unit, year) pair is what makes
    every unit belong to exactly one pool per year."""

    pool = models.ForeignKey(QuotaPool, on_delete=models.CASCADE, related_name="members")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="pool_memberships")
    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        verbose_name = _("quota pool member")
        verbose_name_plural = _("quota pool members")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="uniq_pool_per_unit_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.pool_id}:{self.unit_id}"


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Person(models.Model):
    """A civil servant or cadre. Where they work, and as what, lives in Membership."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="people")
    staff_no = models.CharField(_("staff number"), max_length=32)
    name = models.CharField(_("full name"), max_length=50)  # 姓名; a thing's name is 名称
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["staff_no"]
        constraints = [models.UniqueConstraint(fields=["region", "staff_no"], name="uniq_staff_no")]

    def __str__(self) -> str:
        return self.name


class Dimension(models.TextChoices):
    """The aspects a cadre is assessed on (德能勤绩廉, plus 弹性 for flexible
    indicators): the dimension of a scheme's indicator, and the aspects the annual
    democratic evaluation rates apart."""

    MORALITY = "de", _("Morality")  # 德
    ABILITY = "neng", _("Ability")  # 能
    DILIGENCE = "qin", _("Diligence")  # 勤
    PERFORMANCE = "ji", _("Performance")  # 绩
    INTEGRITY = "lian", _("Integrity")  # 廉
    FLEXIBLE = "tanxing", _("Flexible")  # 弹性


# 德能勤绩廉: what the annual democratic evaluation rates, each apart.
ASPECTS = [
    Dimension.MORALITY,
    Dimension.ABILITY,
    Dimension.DILIGENCE,
    Dimension.PERFORMANCE,
    Dimension.INTEGRITY,
]


class LeadershipRole(models.TextChoices):
    MAIN = "main", _("Main leader")
    TEAM = "team", _("Leadership team member")
    STAFF = "staff", _("General cadre")


class MembershipStatus(models.TextChoices):
    ON_DUTY = "on_duty", _("On duty")
    VILLAGE = "village", _("Seconded to a village")
    SECONDED = "seconded", _("Seconded")
    NEW_RECRUIT = "new_recruit", _("Newly recruited")
    PROBATION = "probation", _("On probation")
    RETIRED = "retired", _("Retired")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")


# Statuses whose holders are assessed; retirees and leavers keep a closing row for history.
IN_SCOPE_STATUSES = frozenset(
    {
        MembershipStatus.ON_DUTY,
        MembershipStatus.VILLAGE,
        MembershipStatus.SECONDED,
        MembershipStatus.NEW_RECRUIT,
        MembershipStatus.PROBATION,
    }
)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def on(self, day: dt.date) -> MembershipQuerySet:
        """Rows in force on `day` (valid_to is inclusive; null means open-ended)."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)

    def overlapping(self, start: dt.date, end: dt.date) -> MembershipQuerySet:
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start), valid_from__lte=end)

    def in_scope(self) -> MembershipQuerySet:
        return self.filter(status__in=IN_SCOPE_STATUSES)


class Membership(models.Model):
    """One stretch of time during which a person held one position in one unit.

    Any change of unit, post, rank, category, role or status closes the current
    row and opens a new one, so "who was where, as what, on day D" is a filter.
    A person's rows never overlap (enforced by the services that write them).
    """

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    post = models.CharField(_("post"), max_length=100, blank=True)
    rank_level = models.ForeignKey(
        RankLevel, on_delete=models.PROTECT, verbose_name=_("rank level")
    )
    personnel_category = models.ForeignKey(
        PersonnelCategory, on_delete=models.PROTECT, verbose_name=_("personnel category")
    )
    leadership_role = models.CharField(
        _("leadership role"), max_length=16, choices=LeadershipRole.choices
    )
    status = models.CharField(_("status"), max_length=16, choices=MembershipStatus.choices)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["person", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["person", "valid_from"], name="uniq_membership_start"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "valid_from", "valid_to"]),
            models.Index(fields=["region", "valid_from", "valid_to"]),
            models.Index(fields=["person", "valid_to"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.unit_id} {self.valid_from}–{self.valid_to or ''}"

    @property
    def in_scope(self) -> bool:
        return self.status in IN_SCOPE_STATUSES


class Leave(models.Model):
    """Recorded leave (sick, maternity, study …): days on leave need no work log."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="leaves", verbose_name=_("person")
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=100)

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leaves")
        ordering = ["person", "start"]
        indexes = [models.Index(fields=["region", "start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="leave_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.start}–{self.end} {self.reason}"
