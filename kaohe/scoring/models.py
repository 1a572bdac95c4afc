"""Stored results of the scoring engine: quarterly and annual runs (R5).

A run is one computation of a period. Reopening a published period starts a new
run and keeps the old one, so earlier results are never overwritten.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ScoringPolicy(models.Model):
    """A region's figures for scores, grades and quotas (defaults from the reports)."""

    class Rounding(models.TextChoices):
        FLOOR = "floor", _("Round down")
        HALF_UP = "half_up", _("Round half up")
        CEILING = "ceiling", _("Round up")

    class Grading(models.TextChoices):
        # Seed 004: 按照年度考核优秀比例，各单位考核成绩靠前的干部直接确定为优秀等次.
        RANK = "rank", _("By rank within the pool's quota (the highest scores are 好)")
        BANDS = "bands", _("By score bands, then the pool's quota")

    region = models.OneToOneField(
        "org.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    grading = models.CharField(
        _("grading rule"),
        max_length=8,
        choices=Grading.choices,
        default=Grading.RANK,
        help_text=_(
            "By rank: in each pool the highest scores up to the quota are 好 unless a rule "
            "bars them; the bands only set the floors for 一般 and 较差."
        ),
    )
    evaluation_weight = models.DecimalField(
        _("rating share of the quarterly score (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(70),
    )
    indicator_weight = models.DecimalField(
        _("indicator share of the quarterly score (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(30),
    )
    good_from = models.DecimalField(
        _("好 from"), max_digits=5, decimal_places=2, default=Decimal(90)
    )
    fairly_good_from = models.DecimalField(
        _("较好 from"), max_digits=5, decimal_places=2, default=Decimal(80)
    )
    average_from = models.DecimalField(
        _("一般 from"), max_digits=5, decimal_places=2, default=Decimal(60)
    )
    good_share = models.DecimalField(
        _("share that may be 好"), max_digits=4, decimal_places=2, default=Decimal("0.40")
    )
    excellent_share = models.DecimalField(
        _("share that may be 优秀"), max_digits=4, decimal_places=2, default=Decimal("0.20")
    )
    excellent_share_max = models.DecimalField(
        _("share of 优秀 with a recorded approval"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.25"),
    )
    rounding = models.CharField(
        _("rounding of quotas"), max_length=16, choices=Rounding.choices, default=Rounding.FLOOR
    )
    min_good_quarters = models.PositiveSmallIntegerField(
        _("好 quarters needed for 优秀"), default=2
    )
    average_counts_as_failing = models.BooleanField(
        _("一般 quarters climb the ladder too"), default=False
    )
    main_democratic = models.DecimalField(
        _("main leader: democratic evaluation (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(10),
    )
    main_unit = models.DecimalField(
        _("main leader: unit result (%)"), max_digits=5, decimal_places=2, default=Decimal(30)
    )
    main_quarterly = models.DecimalField(
        _("main leader: quarterly average (%)"), max_digits=5, decimal_places=2, default=Decimal(60)
    )
    other_democratic = models.DecimalField(
        _("others: democratic evaluation (%)"), max_digits=5, decimal_places=2, default=Decimal(10)
    )
    other_unit = models.DecimalField(
        _("others: unit result (%)"), max_digits=5, decimal_places=2, default=Decimal(20)
    )
    other_quarterly = models.DecimalField(
        _("others: quarterly average (%)"), max_digits=5, decimal_places=2, default=Decimal(70)
    )

    class Meta:
        verbose_name = _("scoring policy")
        verbose_name_plural = _("scoring policies")

    def __str__(self) -> str:
        return str(self.region_id)


class RunState(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    CONFIRMED = "confirmed", _("Confirmed")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class QuarterRun(models.Model):
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.COMPUTED)
    reopen_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("quarter run")
        verbose_name_plural = _("quarter runs")
        ordering = ["-year", "-quarter", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "quarter", "number"], name="uniq_quarter_run"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年第{self.quarter}季度（第{self.number}次计算）"


class _Result(models.Model):
    """Whose result it is and where. Results are written only by the compute
    services, from ids they have just read, so the database does not check the keys
    again (docs/decisions.md 29); the ORM still cascades and protects."""

    person = models.ForeignKey(
        "org.Person", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # The quota pool's id (pools are yearly rows); 0 for a unit in no pool, which is a
    # pool of its own (selectors.pool_key).
    pool_id = models.PositiveIntegerField()

    class Meta:
        abstract = True


class QuarterResult(_Result):
    # No index of its own on run: the unique (run, person) index serves every read by run.
    run = models.ForeignKey(
        QuarterRun,
        on_delete=models.CASCADE,
        related_name="results",
        db_index=False,
        db_constraint=False,
    )
    score = models.DecimalField(max_digits=6, decimal_places=2)
    band = models.CharField(max_length=16, blank=True)
    computed_grade = models.CharField(max_length=16, blank=True)  # what the engine gave
    grade = models.CharField(max_length=16, blank=True)  # after the unit head's proposal
    tie = models.BooleanField(default=False)
    change_reason = models.CharField(max_length=300, blank=True)
    steps = models.JSONField(default=list)
    rank_in_unit = models.PositiveIntegerField(default=0)
    proposed_at = models.DateTimeField(null=True, blank=True)
    receipt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("quarter result")
        verbose_name_plural = _("quarter results")
        constraints = [
            models.UniqueConstraint(fields=["run", "person"], name="uniq_quarter_result")
        ]
        indexes = [models.Index(fields=["run", "unit"]), models.Index(fields=["run", "pool_id"])]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.person_id}={self.score}"


class AnnualRun(models.Model):
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.COMPUTED)
    excellent_share = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0.20"))
    share_approval = models.CharField(
        max_length=300, blank=True
    )  # required above the default share
    reopen_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("annual run")
        verbose_name_plural = _("annual runs")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "number"], name="uniq_annual_run")
        ]

    def __str__(self) -> str:
        return f"{self.year}年度（第{self.number}次计算）"


if TYPE_CHECKING:
    _AnyField = models.Field[Any, Any]
else:
    _AnyField = models.Field


class StepsField(_AnyField):
    """A JSON list kept as plain text: read and written as the list, stored without
    the database parsing it. On PostgreSQL a jsonb column parses every row's steps on
    the year's write (300,000 rows at city scale) for nothing: no query looks inside
    them, they are only read back whole (docs/decisions.md, "The year's write")."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return value if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        return value if value is None else _dumps(value)

    def value_to_string(self, obj: models.Model) -> str:
        return _dumps(self.value_from_object(obj))


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class AnnualResultQuerySet(models.QuerySet["AnnualResult"]):
    """Results as model instances come with their `steps` as the engine wrote them,
    whether a row keeps them itself (written before the run's step catalog) or by
    number in its run's `AnnualStep` rows: one more query for all the rows fetched,
    none for rows that keep their own. `values()`/`values_list("steps")` read the
    column alone (an empty list for a catalogued row): read steps from instances."""

    def _fetch_all(self) -> None:
        fetched = self._result_cache is None
        super()._fetch_all()
        if (
            fetched
            and self._result_cache
            and issubclass(self._iterable_class, models.query.ModelIterable)
        ):
            attach_steps(self._result_cache)


class AnnualResult(_Result):
    # Every read of a year's results is by run (and tier, or grade), by person (their
    # own results, unique with the run) or by id: no index on the unit or the person
    # alone, and none on (run, unit). A unit's deletion, refused by PROTECT, then scans
    # the table; the year's write maintains three indexes instead of six.
    person = models.ForeignKey(
        "org.Person",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    run = models.ForeignKey(
        AnnualRun,
        on_delete=models.CASCADE,
        related_name="results",
        db_index=False,
        db_constraint=False,
    )
    tier = models.CharField(max_length=32)
    composite = models.DecimalField(max_digits=6, decimal_places=2)
    grade = models.CharField(max_length=16)
    priority = models.BooleanField(default=False)
    consequences = models.JSONField(default=list)
    tie = models.BooleanField(default=False)
    # The explanation's steps: rows written before the run's step catalog keep them
    # here; since, they are an empty list here and `step_numbers` names them (numbers
    # of the run's AnnualStep rows, in order, comma-separated). Read them as
    # `steps` of model instances (AnnualResultQuerySet), never from this column alone.
    steps = StepsField(default=list)
    step_numbers = models.TextField(blank=True, default="")
    rank_in_tier = models.PositiveIntegerField(default=0)
    receipt_at = models.DateTimeField(null=True, blank=True)

    objects = AnnualResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual result")
        verbose_name_plural = _("annual results")
        constraints = [
            models.UniqueConstraint(fields=["person", "run"], name="uniq_annual_result_person")
        ]
        indexes = [models.Index(fields=["run", "tier", "composite"])]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.person_id}={self.composite}"


class AnnualStep(models.Model):
    """One distinct line of a year run's explanations, stored once for the run: the
    engine hands the same Step to everyone whose line reads the same (a pool's quota,
    a composite, a grade), and a city's 300,000 results read some tens of thousands of
    distinct lines. A result names its lines by `number` (AnnualResult.step_numbers);
    written in the same transaction as the results (docs/decisions.md, "The year's
    steps stored once per run")."""

    run = models.ForeignKey(
        AnnualRun,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique (run, number) index serves every read
        db_constraint=False,
    )
    number = models.PositiveIntegerField()
    step = models.TextField()  # the step as JSON text: {"code": …, "figures": {…}}

    class Meta:
        verbose_name = _("annual result step")
        verbose_name_plural = _("annual result steps")
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="uniq_annual_step")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.number}"


# A run's catalogue is read whole above this many of its lines wanted at once (an
# export of the run) rather than by a list of numbers.
_WHOLE_CATALOGUE = 2000


def attach_steps(results: list[AnnualResult]) -> None:
    """Set `steps` of the results that name theirs by number, from their runs'
    AnnualStep rows in one query: the same list, parsed from the same text, as a row
    that keeps its own. Rows whose `step_numbers` were not fetched (deferred) are left."""
    wanted: dict[int, set[int]] = {}
    named: list[tuple[AnnualResult, list[int]]] = []
    for r in results:
        text = r.__dict__.get("step_numbers")
        if text:
            numbers = [int(n) for n in text.split(",")]
            named.append((r, numbers))
            wanted.setdefault(r.run_id, set()).update(numbers)
    if not named:
        return
    which = models.Q()
    for run_id, of_run in wanted.items():
        if len(of_run) > _WHOLE_CATALOGUE:
            which |= models.Q(run_id=run_id)
        else:
            which |= models.Q(run_id=run_id, number__in=sorted(of_run))
    texts = {
        (run_id, number): step
        for run_id, number, step in AnnualStep.objects.filter(which).values_list(
            "run_id", "number", "step"
        )
    }
    for r, numbers in named:
        run_id = r.run_id
        r.steps = json.loads("[" + ",".join([texts[run_id, n] for n in numbers]) + "]")


class PersonYearFlag(models.Model):
    """A fact the annual rules read, entered with its reason (R5.4, R5.8, R5.11)."""

    class Kind(models.TextChoices):
        VETO = "veto", _("Cannot be 优秀 (veto)")
        AFFIRMATION = "affirmation", _("优秀 directly (affirmation)")
        INVESTIGATION = "investigation", _("Under investigation: grade pending")
        BAR = "bar", _("Other bar to 优秀")

    person = models.ForeignKey(
        "org.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("person's annual flag")
        verbose_name_plural = _("people's annual flags")
        indexes = [models.Index(fields=["year", "kind"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year} {self.kind}"
