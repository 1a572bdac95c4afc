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
    KAOHE = "computed", _("Computed in kaohe")
    IMPORTED = "imported", _("Imported from earlier years")


class YearRecord(models.Model):
    """One cadre's year as published: the figures the rules across years read.

    Snapshots (unit name, post, tier) are kept as text: the archive shows the year as
    it was, after the person has moved and the unit been renamed, and an imported year
    may name a unit kaohe never had. `grade` holds scoring's AnnualGrade value
    ("excellent", "competent", "basic", "incompetent", "none", "pending")."""

    # The keys are written only by the archive (from a published run's rows it has just
    # read) and by the import (from people and units it has just looked up), so the
    # database does not check them again at the commit, as scoring's results (decision
    # 29): a city's archive spent a third of its time there. The ORM still protects.
    # No index of their own either: the unique (person, year), yr_grade (region, …) and
    # yr_unit (unit, year) lead with them, and no read goes by the run.
    region = models.ForeignKey(
        "org.Region",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    person = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
        db_constraint=False,
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(
        _("source"), max_length=16, choices=RecordSource.choices, default=RecordSource.KAOHE
    )
    # The published annual run the record was taken from (none for an imported year).
    run = models.ForeignKey(
        "scoring.AnnualRun",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
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
    # The person's history as of this year, which the eligibility lists read (R5.5, R5.7,
    # R5.13, R6.2–R6.7; outcomes.lists): derived from the person's archived years up to
    # and including this one by `services.year_facts_refresh`, whenever a year is
    # archived, imported or corrected. Never edited by hand; not part of the frozen year.
    # The 优秀 years as bits: bit (y − FACTS_BASE_YEAR) for each 优秀 year y up to this
    # one (years 2000–2062). Holds the count, the years themselves, and "an 优秀 since
    # year s" as `excellent_years >= 2 ** (s − 2000)`, for any s a region's rule asks.
    excellent_years = models.BigIntegerField(_("优秀 years (bits)"), default=0, db_default=0)
    # 优秀 years in a row ending with this one (a year missing breaks the run).
    excellent_run = models.PositiveSmallIntegerField(
        _("优秀 years in a row"), default=0, db_default=0
    )
    # Years at 称职 or better up to this one (the pay counters; 累计, never reset).
    counted_years = models.PositiveSmallIntegerField(
        _("years at 称职 or better"), default=0, db_default=0
    )
    first_year = models.PositiveSmallIntegerField(_("first archived year"), null=True, blank=True)
    # This year's quarters by grade (from quarter_grades).
    quarters_good = models.PositiveSmallIntegerField(_("quarters of 好"), default=0, db_default=0)
    quarters_average = models.PositiveSmallIntegerField(
        _("quarters of 一般"), default=0, db_default=0
    )
    quarters_poor = models.PositiveSmallIntegerField(_("quarters of 较差"), default=0, db_default=0)

    class Meta:
        verbose_name = _("archived year")
        verbose_name_plural = _("archived years")
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="uniq_year_record")]
        indexes = [
            # The lists' order (tier, rank, person): a list's page walks it and stops.
            models.Index(
                fields=["region", "year", "tier", "rank_in_tier", "person"], name="yr_tier_rank"
            ),
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


# --- consequences: what a published result obliges someone to do (R5.6, R5.13, R6.6) ---


class ConsequenceKind(models.TextChoices):
    # The last-place ladder (R6.6), by the unit's main leader, then the region office
    REMINDER_TALK = "reminder_talk", _("Reminder talk (提醒谈话)")
    ADMONITION_TALK = "admonition_talk", _("Admonition talk (诫勉谈话)")
    ORG_HANDLING = "org_handling", _("Proposal of organizational handling (组织处理建议)")
    # Failing quarters (R5.6), in the unit
    QUARTER_TALK = "quarter_talk", _("Talk by the unit head on a failing quarter")
    UNIT_CRITICISM = "unit_criticism", _("Notice of criticism in the unit (单位内通报批评)")
    # The annual grade (R5.13, R6.6), by the region office
    DEMOTION = "demotion", _("Demotion by one level (降级)")
    DISMISSAL_REVIEW = "dismissal_review", _("Dismissal review (辞退审查)")
    NO_PROMOTION = "no_promotion", _("No promotion for a year (一年内不得晋升)")
    NO_BONUS = "no_bonus", _("No year-end bonus (不发年终奖)")


class ConsequenceState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ConsequenceTask(models.Model):
    """One consequence a published period carries for one person, to be carried out by
    its owner by the due date and its outcome recorded.

    The owner is a role at a unit (`owner_role`, `unit`): the unit's head for talks and
    notices, the region office (组织部) for the rest; the users are found through the
    grants when read, so a change of head moves the task. Derived again whenever the
    period is published; a task no longer applicable is cancelled with a note, never
    deleted (outcomes.services, the consequences block)."""

    # The keys are written only by the archive (from a published run's rows it has just
    # read) and by the import (from people and units it has just looked up), so the
    # database does not check them again at the commit, as scoring's results (decision
    # 29): a city's archive spent a third of its time there. The ORM still protects.
    # No index of their own either: the unique (person, year), yr_grade (region, …) and
    # yr_unit (unit, year) lead with them, and no read goes by the run.
    region = models.ForeignKey(
        "org.Region",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    person = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
        db_constraint=False,
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # The quarter whose failure it follows; null for the year's consequences.
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=ConsequenceKind.choices)
    # The rule in plain Chinese, naming the years or quarters that set it off.
    citation = models.CharField(_("rule"), max_length=400)
    # The person's unit in the period (whose head acts on talks); null only for a
    # person whose period named no unit kaohe has.
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_role = models.CharField(_("owner"), max_length=16)  # accounts.Role value
    # The day the period's publication gave rise to it (or reinstated it); the due
    # date is counted from it (OutcomesPolicy.task_due_days).
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due date"))
    state = models.CharField(
        _("state"), max_length=16, choices=ConsequenceState.choices, default=ConsequenceState.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consequence")
        verbose_name_plural = _("consequences")
        constraints = [
            # Unique per (person, year, quarter, kind): two partial indexes, since NULL
            # quarters would not collide in one (and nulls_distinct needs PostgreSQL 15).
            models.UniqueConstraint(
                fields=["person", "year", "quarter", "kind"],
                condition=models.Q(quarter__isnull=False),
                name="uniq_consequence_quarter",
            ),
            models.UniqueConstraint(
                fields=["person", "year", "kind"],
                condition=models.Q(quarter__isnull=True),
                name="uniq_consequence_year",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "state", "due_on"], name="cq_region_state_due"),
            models.Index(fields=["unit", "state", "due_on"], name="cq_unit_state_due"),
            models.Index(fields=["region", "year", "quarter"], name="cq_region_period"),
        ]

    def __str__(self) -> str:
        # By its kind's label: the admin's titles and the audit log show it to people.
        period = f"{self.year}Q{self.quarter}" if self.quarter else str(self.year)
        return f"{self.person_id} {period} {self.get_kind_display()}"
