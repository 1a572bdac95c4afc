"""Indicator schemes: trees of indicators, versioned, approved, with results (R4).

A `Scheme` is a template (region-wide, per personnel or unit category) or a
unit's own scheme; it is either a trunk or a supplement for one period ("1+N").
Its content lives in `SchemeVersion`s; a version that has been approved or used
is frozen, and editing it means drafting a new version.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaohe.org.models import Dimension


class Module(models.TextChoices):
    COMMON = "common", _("Common")  # 共性
    INDIVIDUAL = "individual", _("Individual")  # 个性
    NEGATIVE = "negative", _("Negative")  # 反向
    FLEXIBLE = "flexible", _("Flexible")  # 弹性


class IndicatorKind(models.TextChoices):
    SCORED = "scored", _("Scored 0 to max")
    DEDUCTION = "deduction", _("Deduction per occurrence")
    BONUS = "bonus", _("Bonus")
    VETO = "veto", _("Veto")
    PASS_FAIL = "pass_fail", _("Pass / fail")
    GROUP = "group", _("Group of indicators")


class AutoSource(models.TextChoices):
    """Where a deduction's occurrences come from without typing."""

    NONE = "", _("Entered by hand")
    MISSING_LOGS = "missing_logs", _("Missing daily logs")
    MISSING_SUMMARIES = "missing_summaries", _("Missing summaries")


class Scheme(models.Model):
    class Role(models.TextChoices):
        TEMPLATE = "template", _("Template")
        UNIT = "unit", _("Unit scheme")

    class Part(models.TextChoices):
        TRUNK = "trunk", _("Trunk")
        SUPPLEMENT = "supplement", _("Supplement")

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    part = models.CharField(_("part"), max_length=16, choices=Part.choices, default=Part.TRUNK)
    name = models.CharField(_("name"), max_length=120)
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    personnel_category = models.ForeignKey(
        "org.PersonnelCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("personnel category"),
    )
    performance_category = models.ForeignKey(
        "org.PerformanceCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("unit category"),
    )
    trunk = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="supplements"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), default=0)  # supplements: 1–4
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")
        ordering = ["-year", "name"]
        indexes = [
            models.Index(fields=["region", "role", "year"]),
            models.Index(fields=["unit", "year"]),
        ]

    def __str__(self) -> str:
        return self.name


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for revision")
    APPROVED = "approved", _("Approved")


class SchemeVersion(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(
        max_length=16, choices=VersionState.choices, default=VersionState.DRAFT
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The day it was approved: a version governs the quarters that end on or after it
    # (see selectors.in_force), so approving a revision never rewrites past quarters.
    approved_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("scheme version")
        verbose_name_plural = _("scheme versions")
        ordering = ["scheme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="uniq_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.scheme} v{self.number}"

    @property
    def editable(self) -> bool:
        return self.state in (VersionState.DRAFT, VersionState.RETURNED)


POINTS = [MinValueValidator(0), MaxValueValidator(1000)]


class Indicator(models.Model):
    """One node of a version's tree. `key` stays the same across versions, so
    versions can be compared and uploaded sheets matched."""

    version = models.ForeignKey(SchemeVersion, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    key = models.UUIDField(default=uuid.uuid4)
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    module = models.CharField(
        _("module"), max_length=16, choices=Module.choices, default=Module.COMMON
    )
    dimension = models.CharField(
        _("dimension"), max_length=16, choices=Dimension.choices, default=Dimension.PERFORMANCE
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=IndicatorKind.choices, default=IndicatorKind.SCORED
    )
    # Points of one indicator: 0..1000 (the columns would hold up to 9999.99).
    max_points = models.DecimalField(
        _("maximum points"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(0),
        validators=POINTS,
    )
    per_occurrence = models.DecimalField(
        _("points per occurrence"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(0),
        validators=POINTS,
    )
    cap = models.DecimalField(
        _("cap"), max_digits=6, decimal_places=2, default=Decimal(0), validators=POINTS
    )
    # A share of its parent: sibling weights add up to 100.
    weight = models.DecimalField(
        _("weight (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    quantitative = models.BooleanField(_("quantitative"), default=False)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    auto_source = models.CharField(
        _("filled from"), max_length=32, choices=AutoSource.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["version", "parent_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="uniq_indicator_key")
        ]
        indexes = [models.Index(fields=["version", "parent", "position"])]

    def __str__(self) -> str:
        return self.name


class SchemeComment(models.Model):
    """A reviewer's comment on a version as a whole (indicator null) or on one indicator."""

    version = models.ForeignKey(SchemeVersion, on_delete=models.CASCADE, related_name="comments")
    indicator_key = models.UUIDField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("scheme comment")
        verbose_name_plural = _("scheme comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class IndicatorResult(models.Model):
    """An assessor's entry for one person and one leaf indicator in one period."""

    # No database-level foreign keys, here or in the evidence links (the ORM still
    # protects and cascades): a grid save writes thousands of rows in one statement
    # from ids it has just read, under the unit's lock, from checked tables, and
    # PostgreSQL checked each foreign key of each row inserted, and each evidence link
    # of each row deleted, one query at a time (docs/decisions.md, "The grid's rows
    # without database-level foreign keys").
    # No index on the version: its readers are a version's approval, which moves the
    # unit's results and so reads them by (unit, year, quarter) too, and the ORM's
    # check on deleting a version, which is not made (DO_NOTHING): a result's
    # indicator belongs to its version and goes with it, and the indicator's PROTECT
    # (served by the unique key) refuses that deletion first. One index entry fewer
    # for every row a grid save writes (docs/decisions.md).
    version = models.ForeignKey(
        SchemeVersion,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # No index of their own on the indicator or the unit: the unique key starts with
    # the indicator and (unit, year, quarter) with the unit, and each serves every
    # read by it. Two indexes fewer on every grid save (docs/decisions.md).
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        related_name="results",
        db_index=False,
        db_constraint=False,
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # No index on the person either: its only reader was the ORM's cascade when a
    # person is deleted, which the application never does (a person leaves by their
    # membership); a new row and a cleared one wrote one index entry fewer.
    person = models.ForeignKey(
        "org.Person",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    value = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True
    )  # points / bonus
    occurrences = models.PositiveIntegerField(null=True, blank=True)  # deductions
    flag = models.BooleanField(null=True)  # veto triggered / passed
    note = models.CharField(max_length=300, blank=True)
    evidence_logs = models.ManyToManyField(
        "worklogs.WorkLog", blank=True, related_name="+", db_constraint=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("indicator result")
        verbose_name_plural = _("indicator results")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "person", "year", "quarter"], name="uniq_indicator_result"
            )
        ]
        indexes = [models.Index(fields=["unit", "year", "quarter"])]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.indicator_id}"


class EntryDeclaration(models.Model):
    """A unit's statement that it has no indicator entries for a quarter, with the
    reason: with it, the quarter may be computed without the unit's entries (issue 13)."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("declaration of no indicator entries")
        verbose_name_plural = _("declarations of no indicator entries")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"], name="uniq_entry_declaration"
            )
        ]
        # The guard and the plan read a region's quarter: by year and quarter.
        indexes = [models.Index(fields=["year", "quarter"])]

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.year}Q{self.quarter}"
