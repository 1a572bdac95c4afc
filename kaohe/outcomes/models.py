"""用实绩 (R6): the archive of each cadre's years, the spine every rule that spans
years reads (eligibility lists, the last-place ladder, 三等功), whether the year was
computed in kaohe or imported from the years before it.

A `YearRecord` is written once, when the year is published (or imported), and is
then frozen: a later change (a review decision, a correction of an import) goes
through a `YearRecordCorrection`, which keeps the old value beside the new one.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaohe.scoring.explain import grade_label


class RecordSource(models.TextChoices):
    KAOHE = "kaohe", _("Computed in kaohe")
    IMPORTED = "imported", _("Imported from earlier years")


class YearRecord(models.Model):
    """One cadre's year as published: the figures the rules across years read.

    Snapshots (unit name, post, tier) are kept as text: the archive shows the year as
    it was, after the person has moved and the unit been renamed, and an imported year
    may name a unit kaohe never had. `grade` holds scoring's AnnualGrade value
    ("excellent", "competent", "basic", "incompetent", "none", "pending")."""

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(
        _("source"), max_length=16, choices=RecordSource.choices, default=RecordSource.KAOHE
    )
    # The published annual run the record was taken from (none for an imported year).
    run = models.ForeignKey(
        "scoring.AnnualRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit_name = models.CharField(_("unit"), max_length=200)
    post = models.CharField(_("post"), max_length=100, blank=True)
    tier = models.CharField(_("rank tier"), max_length=32, blank=True)
    composite = models.DecimalField(
        _("composite score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    grade = models.CharField(_("grade"), max_length=16, blank=True)
    rank_in_tier = models.PositiveIntegerField(_("rank in tier"), null=True, blank=True)
    tier_size = models.PositiveIntegerField(_("people in tier"), null=True, blank=True)
    rank_in_unit = models.PositiveIntegerField(_("rank in unit"), null=True, blank=True)
    unit_size = models.PositiveIntegerField(_("people in unit"), null=True, blank=True)
    # The four quarters' grades (QuarterGrade values, "" for a quarter without one).
    quarter_grades = models.JSONField(_("quarter grades"), default=list, blank=True)
    priority = models.BooleanField(_("all four quarters 好"), default=False)
    frozen_at = models.DateTimeField(_("frozen at"))

    class Meta:
        verbose_name = _("archived year")
        verbose_name_plural = _("archived years")
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="uniq_year_record")]
        indexes = [
            models.Index(fields=["region", "year", "tier", "rank_in_tier"], name="yr_tier_rank"),
            models.Index(fields=["region", "year", "grade"], name="yr_grade"),
            models.Index(fields=["unit", "year"], name="yr_unit"),
        ]

    def __str__(self) -> str:
        # The grade by its label (the admin's history and the audit show this).
        return f"{self.person_id} {self.year} {grade_label(self.grade)}"


class YearRecordCorrection(models.Model):
    """A recorded change to a frozen year: the old value stays visible beside the new."""

    record = models.ForeignKey(YearRecord, on_delete=models.PROTECT, related_name="corrections")
    field = models.CharField(_("field"), max_length=32)
    old_value = models.CharField(_("old value"), max_length=100, blank=True)
    new_value = models.CharField(_("new value"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    # What decided it, in words (e.g. "复核决定 2027-03-02"); cases link here later.
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("correction of an archived year")
        verbose_name_plural = _("corrections of archived years")
        indexes = [models.Index(fields=["record", "created_at"], name="yrc_record")]

    def __str__(self) -> str:
        return f"{self.record_id} {self.field}: {self.old_value} → {self.new_value}"


class OutcomesPolicy(models.Model):
    """A region's figures for what results are used for (R5.5–R5.7, R5.13, R6); the
    defaults are the field reports' and the law's. Read through outcomes.policies.

    Helpers of the outcomes issue add the fields their rules need here, each with the
    rule it serves and its default."""

    region = models.OneToOneField(
        "org.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    # R6.2: promotion to a leading post
    promotion_top_share = models.DecimalField(
        _("promotion: top share of the rank tier"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
    )
    promotion_excellent_years = models.PositiveSmallIntegerField(
        _("promotion: years looked back for an 优秀"), default=3
    )
    # R6.3, R6.5: awards
    award_top_share = models.DecimalField(
        _("awards: top share of the rank tier"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
    )
    merit_excellent_years = models.PositiveSmallIntegerField(
        _("记三等功 after this many 优秀 years in a row"), default=3
    )
    # R6.4, R5.13: tenure and pay
    tenure_cut_months = models.PositiveSmallIntegerField(
        _("months of tenure each 优秀 saves"), default=6
    )
    pay_step_years = models.PositiveSmallIntegerField(
        _("years at 称职 or better for one 工资档次"), default=2
    )
    pay_level_years = models.PositiveSmallIntegerField(
        _("years at 称职 or better for one 级别"), default=5
    )
    # R6.7, R5.7
    prospect_good_quarters = models.PositiveSmallIntegerField(
        _("好 quarters in the year that make a good prospect (好苗子)"), default=3
    )
    bonus_cut_percent = models.PositiveSmallIntegerField(
        _("bonus cut per quarter of 一般 (%)"), default=10
    )
    # Consequences as tasks
    task_due_days = models.PositiveSmallIntegerField(
        _("days to carry out a consequence"), default=30
    )

    class Meta:
        verbose_name = _("rules for the use of results")
        verbose_name_plural = _("rules for the use of results")

    def __str__(self) -> str:
        return str(_("Rules for the use of results"))
