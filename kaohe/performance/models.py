"""Unit performance (绩效考核, R8, R5.2, R5.8): the monthly rounds in which the assessing
office scores every unit on its category's indicators, and the year they roll up into.

A unit's year result is what the cadres' annual composite reads (30% of the main
leader's, 20% of everyone else's, R5.2). It is computed from the months (their average
and a year-end evaluation, weighted by the region's PerformancePolicy); an override,
typed with a reason and audited, stands in for it where the office decides so.

The marks of a unit's year (a 真抓实干 incentive won, a criticism by name) are the facts
behind the one-vote affirmation and veto of its main leader (R5.8).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class PerformancePolicy(models.Model):
    """A region's unit-performance figures; a missing row reads as these defaults."""

    region = models.OneToOneField(
        "org.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    # The year: the months' average and a year-end evaluation (seed 003: 每月一评 rolled
    # up at year end); the two weights add up to 100.
    months_weight = models.DecimalField(
        _("weight of the months' average (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(70),
        validators=PERCENT,
    )
    year_end_weight = models.DecimalField(
        _("weight of the year-end evaluation (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(30),
        validators=PERCENT,
    )
    # The month's reward list (每月一发): the first places of each category.
    reward_places = models.PositiveSmallIntegerField(
        _("units rewarded per category each month"), default=3
    )
    # 民评: the public evaluation's points in a unit's score (seed 002: raised from 8 to 15).
    public_points = models.DecimalField(
        _("points of the public evaluation"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(15),
        validators=PERCENT,
    )

    class Meta:
        verbose_name = _("unit performance rules")
        verbose_name_plural = _("unit performance rules")

    def __str__(self) -> str:
        return f"{self.region_id}"


class PerformanceMonth(models.Model):
    """One month's round of unit performance in a region (每月一评、每月一督、每月一发)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open: units report, the office scores")
        PUBLISHED = "published", _("Published")

    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("month of unit performance")
        verbose_name_plural = _("months of unit performance")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "month"], name="uniq_performance_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}-{self.month:02d}"


class UnitMonthResult(models.Model):
    """A unit's score for one month and its place in its category (written when the
    office computes the month; shown to units once the month is published)."""

    # Written only by the month's compute, from the units and categories it has just
    # read: the database does not check the keys again, and they have no index of
    # their own (the unique (month, unit), perf_unit_month and perf_month_cat_rank lead
    # with them), as scoring's results (decision 29). The ORM still cascades and
    # protects; a province's month writes 5,000 rows at a time.
    month = models.ForeignKey(
        PerformanceMonth,
        on_delete=models.CASCADE,
        related_name="results",
        db_constraint=False,
        db_index=False,
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
        db_constraint=False,
        db_index=False,
    )
    # The unit's category in that month: rankings are within a category.
    category = models.ForeignKey(
        "org.PerformanceCategory",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit category"),
        db_constraint=False,
        db_index=False,
    )
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank in category"))
    rewarded = models.BooleanField(_("on the month's reward list"), default=False)

    class Meta:
        verbose_name = _("unit's month result")
        verbose_name_plural = _("units' month results")
        constraints = [
            models.UniqueConstraint(fields=["month", "unit"], name="uniq_unit_month_result")
        ]
        indexes = [
            models.Index(fields=["month", "category", "rank"], name="perf_month_cat_rank"),
            models.Index(fields=["unit", "month"], name="perf_unit_month"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month_id}={self.score}"


class UnitYearResult(models.Model):
    """A unit's annual result: computed from its months, or overridden with a reason.

    `final` is what the cadres' annual composite reads (R5.2)."""

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.ForeignKey(
        "org.PerformanceCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit category"),
    )
    months_average = models.DecimalField(
        _("months' average"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    months_counted = models.PositiveSmallIntegerField(_("months counted"), default=0)
    year_end = models.DecimalField(
        _("year-end evaluation"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    computed = models.DecimalField(
        _("computed result"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    # The office's override (audited): it stands until removed, whatever the months say.
    override = models.DecimalField(
        _("override"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    override_reason = models.CharField(_("reason for the override"), max_length=300, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("overridden by"),
    )
    override_at = models.DateTimeField(_("overridden at"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank in category"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit's annual result")
        verbose_name_plural = _("units' annual results")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="uniq_unit_year_result"),
            models.CheckConstraint(
                condition=models.Q(override__isnull=True) | ~models.Q(override_reason=""),
                name="perf_override_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["year", "category", "rank"], name="perf_year_cat_rank")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}"

    @property
    def final(self) -> Decimal | None:
        return self.override if self.override is not None else self.computed


class UnitYearMark(models.Model):
    """A fact of a unit's year behind R5.8's one-vote rules for its main leader."""

    class Kind(models.TextChoices):
        # Won a 真抓实干 incentive (督查激励): the main leader is 优秀 directly.
        INCENTIVE = "incentive", _("Won a 真抓实干 incentive")
        # Criticized by name at district level or above: the main leader cannot be 优秀.
        CRITICISM = "criticism", _("Criticized by name at district level or above")

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # The citation the rule quotes: the document or notice that awarded or criticized.
    reason = models.CharField(_("document or notice"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mark on a unit's year")
        verbose_name_plural = _("marks on units' years")
        indexes = [models.Index(fields=["year", "kind"], name="perf_mark_year_kind")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.kind}"


# --- months (P1) ---


class IndicatorAssignment(models.Model):
    """An indicator assigned from above to a lead unit (牵头单位) for a year, with its
    target (目标值): the lead unit's indicator page follows it month by month (seed 002:
    121 city indicators for 32 lead units). The indicator is a node of a category's
    indicator system (a schemes template); its stable key finds it in later versions."""

    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.ForeignKey(
        "schemes.Indicator",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("indicator"),
    )
    lead_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("lead unit")
    )
    target = models.CharField(_("target"), max_length=300)

    class Meta:
        verbose_name = _("indicator assigned to a lead unit")
        verbose_name_plural = _("indicators assigned to lead units")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "indicator", "lead_unit"], name="uniq_perf_assignment"
            )
        ]
        indexes = [models.Index(fields=["lead_unit", "year"], name="perf_assign_lead_year")]

    def __str__(self) -> str:
        return f"{self.lead_unit_id} {self.year} {self.indicator_id}"


class MonthEntry(models.Model):
    """The office's score of one unit on one leaf indicator of its category's system
    in one month (the entry grid's cell): points, occurrences of a deduction, or a flag."""

    month = models.ForeignKey(PerformanceMonth, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(
        "schemes.Indicator", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    value = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    occurrences = models.PositiveIntegerField(null=True, blank=True)
    flag = models.BooleanField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("month's indicator score")
        verbose_name_plural = _("months' indicator scores")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit", "indicator"], name="uniq_perf_month_entry"
            )
        ]
        indexes = [models.Index(fields=["unit", "month"], name="perf_entry_unit_month")]

    def __str__(self) -> str:
        return f"{self.month_id}:{self.unit_id}:{self.indicator_id}"


class PublicEvaluation(models.Model):
    """民评 points of a unit for a month, typed by the office with the evidence they
    rest on, until the public-survey issue fills them (it replaces this input)."""

    month = models.ForeignKey(PerformanceMonth, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("public evaluation points"), max_digits=5, decimal_places=2)
    evidence = models.CharField(_("evidence"), max_length=300)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("public evaluation typed in")
        verbose_name_plural = _("public evaluations typed in")
        constraints = [
            models.UniqueConstraint(fields=["month", "unit"], name="uniq_perf_public_eval")
        ]

    def __str__(self) -> str:
        return f"{self.month_id}:{self.unit_id}={self.points}"


class UnitMonthReport(models.Model):
    """A unit's report of its month's progress: one on the month as a whole (indicator
    empty) and one per indicator assigned to it as lead unit, with evidence files."""

    month = models.ForeignKey(PerformanceMonth, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    assignment = models.ForeignKey(
        IndicatorAssignment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("progress"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("unit's month report")
        verbose_name_plural = _("units' month reports")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit"],
                condition=models.Q(assignment__isnull=True),
                name="uniq_perf_month_report_unit",
            ),
            models.UniqueConstraint(
                fields=["month", "unit", "assignment"],
                condition=models.Q(assignment__isnull=False),
                name="uniq_perf_month_report_item",
            ),
        ]
        indexes = [models.Index(fields=["unit", "month"], name="perf_report_unit_month")]

    def __str__(self) -> str:
        return f"{self.month_id}:{self.unit_id}"


class ReportFile(models.Model):
    """A file of evidence attached to a unit's month (kept in the database, as case
    evidence is; 5 MB at most; PDF, JPEG or PNG)."""

    month = models.ForeignKey(PerformanceMonth, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("file type"), max_length=100)
    content = models.BinaryField(_("file"), editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file of a month")
        verbose_name_plural = _("evidence files of months")
        indexes = [models.Index(fields=["unit", "month"], name="perf_file_unit_month")]

    def __str__(self) -> str:
        return self.file_name
