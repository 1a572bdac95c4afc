"""Daily work logs and quarterly/annual summaries — 晒实绩 (R2)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_BACKFILL_WORKDAYS = 30


class WorklogPolicy(models.Model):
    """Per-region rules for work records; every figure is the region's to change."""

    region = models.OneToOneField(
        "org.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    log_min_chars = models.PositiveSmallIntegerField(_("daily log: minimum characters"), default=10)
    log_max_chars = models.PositiveSmallIntegerField(
        _("daily log: maximum characters"), default=300
    )
    quarterly_min_chars = models.PositiveSmallIntegerField(
        _("quarterly summary: minimum characters"), default=50
    )
    quarterly_max_chars = models.PositiveSmallIntegerField(
        _("quarterly summary: maximum characters"), default=1000
    )
    annual_min_chars = models.PositiveSmallIntegerField(
        _("annual summary: minimum characters"), default=100
    )
    annual_max_chars = models.PositiveSmallIntegerField(
        _("annual summary: maximum characters"), default=3000
    )
    # At most 30: every calendar read reaches CALENDAR_MARGIN (62 days) past its
    # range, which 30 working days never outrun, even across the Spring Festival.
    backfill_workdays = models.PositiveSmallIntegerField(
        _("working days allowed for backfill"),
        default=5,
        validators=[MaxValueValidator(MAX_BACKFILL_WORKDAYS)],
        help_text=_("At most 30 working days."),
    )
    deduction_per_missing_log = models.DecimalField(
        _("points deducted per missing daily log"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.5"),
    )
    deduction_per_missing_quarterly = models.DecimalField(
        _("points deducted for a missing quarterly summary"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("2"),
    )
    deduction_per_missing_annual = models.DecimalField(
        _("points deducted for a missing annual summary"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5"),
    )

    class Meta:
        verbose_name = _("work-record policy")
        verbose_name_plural = _("work-record policies")

    def __str__(self) -> str:
        return str(self.region_id)


class Timeliness(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    BACKFILLED = "backfilled", _("Backfilled")


class Written(models.Model):
    """What a log and a summary share: the text, whether it came on time, when it was
    written and last edited, and how many edits replaced it (each old text is kept as
    a revision, `Revision`)."""

    content = models.TextField(_("content"))
    timeliness = models.CharField(_("timeliness"), max_length=16, choices=Timeliness.choices)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last edited"), auto_now=True)
    revision_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True


class WorkLog(Written):
    """One person's log for one working day. `unit` is where they were that day.

    The foreign keys have no single-column indexes: each leads a composite index
    below (region: the compliance index, person: the unique constraint, unit: the
    feed index), and every index is written on every submission."""

    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    person = models.ForeignKey(
        "org.Person", on_delete=models.CASCADE, related_name="work_logs", db_index=False
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    day = models.DateField(_("date"))

    class Meta:
        verbose_name = _("work log")
        verbose_name_plural = _("work logs")
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "day"], name="uniq_log_per_day")]
        indexes = [
            # Covers the compliance GROUP BY: filter on region and day, group by
            # person and unit, count by timeliness, without touching the table.
            models.Index(fields=["region", "day", "person", "unit", "timeliness"]),
            # The feed reads a page of logs from one of these newest first, from a
            # (day, id) cursor on: one unit's logs, or the region's by date keeping
            # the readable units'. Each holds the other's column, so neither visits
            # the table, and SQLite (no statistics) takes the one whose lead column
            # the query fixes.
            models.Index(fields=["unit", "-day", "-id", "region"]),
            models.Index(fields=["region", "-day", "-id", "unit"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.day}"


# The columns a new log is written with, in this order, by the raw inserts that skip
# the ORM: the submission's one-statement insert and the demo's bulk load.
LOG_INSERT_FIELDS = (
    "region",
    "person",
    "unit",
    "day",
    "content",
    "timeliness",
    "created_at",
    "updated_at",
    "revision_count",
)


class LogMonthTally(models.Model):
    """How many logs a person wrote in one unit in one month, on time and backfilled.

    Derived data for the compliance report, which reads whole months from here and
    only the days at a range's edges from the logs. Database triggers on the log
    table keep it in step with every insert, delete and re-keying update, in the
    same transaction, whoever writes (migration 0003); loaders that switch the
    triggers off rebuild it (`tallies.tallies_rebuild`, `manage.py worklog_tallies`).
    """

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()  # the first day of the month
    on_time = models.IntegerField(default=0)
    backfilled = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("monthly log tally")
        verbose_name_plural = _("monthly log tallies")
        constraints = [
            models.UniqueConstraint(fields=["person", "unit", "month"], name="uniq_log_tally")
        ]
        indexes = [models.Index(fields=["region", "month"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.unit_id} {self.month:%Y-%m}"


class Revision(models.Model):
    """The text a log or a summary had before an edit, so edits stay visible. Each
    kind keeps its own table (its foreign key differs); the owner reaches them as
    `revisions`."""

    content = models.TextField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-replaced_at", "-id"]

    def __str__(self) -> str:
        # The one foreign key, to the log or the summary.
        owner = next(f for f in self._meta.concrete_fields if f.is_relation)
        return f"{getattr(self, owner.attname)} {self.replaced_at}"


class SummaryKind(models.TextChoices):
    QUARTERLY = "quarterly", _("Quarterly summary")
    ANNUAL = "annual", _("Annual summary")


class Summary(Written):
    """A quarterly (quarter 1–4) or annual (quarter 0) summary."""

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="summaries")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=SummaryKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), default=0)

    class Meta:
        verbose_name = _("summary")
        verbose_name_plural = _("summaries")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "year", "quarter"], name="uniq_summary_per_period"
            )
        ]
        indexes = [models.Index(fields=["region", "year", "kind", "quarter"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.year}Q{self.quarter}"


class WorkLogRevision(Revision):
    log = models.ForeignKey(WorkLog, on_delete=models.CASCADE, related_name="revisions")

    class Meta(Revision.Meta):
        verbose_name = _("work log revision")
        verbose_name_plural = _("work log revisions")


class SummaryRevision(Revision):
    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="revisions")

    class Meta(Revision.Meta):
        verbose_name = _("summary revision")
        verbose_name_plural = _("summary revisions")


class LogRead(models.Model):
    """已阅: `reader` acknowledged the log."""

    log = models.ForeignKey(WorkLog, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("log read receipt")
        verbose_name_plural = _("log read receipts")
        constraints = [models.UniqueConstraint(fields=["log", "reader"], name="uniq_log_read")]

    def __str__(self) -> str:
        return f"{self.reader_id} read {self.log_id}"


class LogComment(models.Model):
    log = models.ForeignKey(WorkLog, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    content = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("log comment")
        verbose_name_plural = _("log comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author_id} on {self.log_id}"
