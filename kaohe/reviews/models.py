"""Quarterly 360 rounds with anonymous, forced-spread ballots — 考实绩 (R3).

Anonymity is structural (DESIGN.md, decision 31): `Participation` says who voted
and holds no values; a submitted ballot leaves no row of its own, only its share of
its group's `BallotBox`, sealed until the round closes; a draft, sealed too,
is linked to its rater only until it is submitted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaohe.org.models import ASPECTS, UnitType


class RaterGroup(models.TextChoices):
    LEADER = "leader", _("Leader rating")  # 领导主评: the main leader
    TEAM = "team", _("Peer rating")  # 同级互评: the leadership team
    OTHERS = "others", _("Other raters")  # 其他参评: other cadres, approved outside raters


# The one "dimension" of a quarterly or monthly round: a single overall score.
OVERALL = ""
SCORE_CEILING = 1000  # a ballot score is a small whole number; tallies sum them


class RaterPlan(models.Model):
    """Weights of the rater groups for one unit type in one region (default 4:3:3)."""

    region = models.ForeignKey("org.Region", on_delete=models.CASCADE, verbose_name=_("region"))
    unit_type = models.CharField(_("unit type"), max_length=32, choices=UnitType.choices)
    leader_weight = models.PositiveSmallIntegerField(_("leader rating weight"), default=40)
    team_weight = models.PositiveSmallIntegerField(_("peer rating weight"), default=30)
    others_weight = models.PositiveSmallIntegerField(_("other raters weight"), default=30)

    class Meta:
        verbose_name = _("rater plan")
        verbose_name_plural = _("rater plans")
        constraints = [
            models.UniqueConstraint(fields=["region", "unit_type"], name="uniq_rater_plan"),
            # Whole percentages adding up to 100, each group 10% to 60%, or not used: a
            # group weighed at 100%, or at many times another, makes the score its mean,
            # and a small group's mean is a few ballots (decision 31).
            models.CheckConstraint(
                condition=models.Q(
                    leader_weight__lte=60, team_weight__lte=60, others_weight__lte=60
                )
                & (models.Q(leader_weight=0) | models.Q(leader_weight__gte=10))
                & (models.Q(team_weight=0) | models.Q(team_weight__gte=10))
                & (models.Q(others_weight=0) | models.Q(others_weight__gte=10)),
                name="rater_plan_weights_in_range",
                violation_error_message=_(
                    "Each group's weight must be 0 (not used) or from 10 to 60."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    leader_weight=100 - models.F("team_weight") - models.F("others_weight")
                ),
                name="rater_plan_weights_add_up",
                violation_error_message=_("The three weights must add up to 100."),
            ),
        ]

    def __str__(self) -> str:
        weights = f"{self.leader_weight}:{self.team_weight}:{self.others_weight}"
        return f"{self.get_unit_type_display()} {weights}"

    def weights(self) -> dict[str, Decimal]:
        return {
            RaterGroup.LEADER: Decimal(self.leader_weight),
            RaterGroup.TEAM: Decimal(self.team_weight),
            RaterGroup.OTHERS: Decimal(self.others_weight),
        }


class RoundState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Voting open")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Published")


class ReviewRound(models.Model):
    """One rating round of a region: a quarter (or a month where rated monthly)."""

    class Cadence(models.TextChoices):
        QUARTERLY = "quarterly", _("Quarterly")
        MONTHLY = "monthly", _("Monthly")
        ANNUAL = "annual", _("Annual democratic evaluation")  # 德能勤绩廉, number 1

    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(
        _("year"),
        validators=[
            MinValueValidator(2000, _("Choose a year from 2000 to 2099.")),
            MaxValueValidator(2099, _("Choose a year from 2000 to 2099.")),
        ],
    )
    cadence = models.CharField(
        _("cadence"), max_length=16, choices=Cadence.choices, default=Cadence.QUARTERLY
    )
    number = models.PositiveSmallIntegerField(_("quarter or month"))
    state = models.CharField(
        _("state"), max_length=16, choices=RoundState.choices, default=RoundState.DRAFT
    )
    starts_on = models.DateField(_("voting starts"))
    ends_on = models.DateField(_("voting ends"))
    score_min = models.PositiveSmallIntegerField(
        _("lowest score"), default=50, validators=[MaxValueValidator(SCORE_CEILING)]
    )
    score_max = models.PositiveSmallIntegerField(
        _("highest score"), default=100, validators=[MaxValueValidator(SCORE_CEILING)]
    )
    high_score = models.PositiveSmallIntegerField(
        _("high score threshold"), default=90, validators=[MaxValueValidator(SCORE_CEILING)]
    )
    high_share = models.DecimalField(
        _("share of a ballot that may get the high score"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.30"),
    )
    # k of the anonymity rule (decision 31): never below 3 (a constraint below).
    min_shown = models.PositiveSmallIntegerField(
        _("fewest scores shown for a group"), default=3, validators=[MaxValueValidator(1000)]
    )
    trim_above = models.PositiveSmallIntegerField(
        _("drop highest and lowest above this many scores"),
        default=5,
        validators=[MaxValueValidator(10000)],
    )
    uniform_invalid = models.BooleanField(
        _("a ballot with one score for everyone is invalid"), default=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering = ["-year", "-number"]
        # The round's rules, checked in one place for every entry point: model
        # validation (admin forms, services via `full_clean`) and the database.
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "cadence", "number"], name="uniq_round_period"
            ),
            models.CheckConstraint(
                condition=models.Q(min_shown__gte=3),
                name="round_min_shown_at_least_3",
                violation_error_message=_(
                    "The fewest scores shown for a group must be at least 3; fewer would "
                    "let a single rater's scores be read."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(score_max__gt=models.F("score_min")),
                name="round_score_range",
                violation_error_message=_(
                    "The highest score must be above the lowest score; change one of them."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(high_score__gt=models.F("score_min"))
                & models.Q(high_score__lte=models.F("score_max")),
                name="round_high_score_in_range",
                violation_error_message=_(
                    "The high score threshold must be above the lowest score and at most "
                    "the highest score."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(high_share__gt=0) & models.Q(high_share__lte=1),
                name="round_high_share",
                violation_error_message=_(
                    "The share of a ballot that may get the high score must be above 0 and "
                    "at most 1 (for example 0.30 for three in ten)."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(trim_above__gt=models.F("min_shown")),
                name="round_trim_keeps_k",
                violation_error_message=_(
                    "Trimming must start above the fewest scores shown: a trimmed mean of "
                    "k scores would be a single rater's score."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="round_ends_after_start",
                violation_error_message=_("Voting must end on or after the day it starts."),
            ),
        ]

    def __str__(self) -> str:
        if self.cadence == self.Cadence.MONTHLY:
            return f"{self.year}年{self.number}月考评"
        if self.cadence == self.Cadence.ANNUAL:
            return f"{self.year}年度民主测评"
        return f"{self.year}年第{self.number}季度考评"

    @property
    def dimensions(self) -> list[str]:
        """What a ballot scores per person: 德能勤绩廉 apart in the annual democratic
        evaluation, one overall score otherwise."""
        if self.cadence == self.Cadence.ANNUAL:
            return [str(d) for d in ASPECTS]
        return [OVERALL]

    @property
    def period_start(self) -> dt.date:
        if self.cadence == self.Cadence.ANNUAL:
            return dt.date(self.year, 1, 1)
        month = self.number if self.cadence == self.Cadence.MONTHLY else 3 * self.number - 2
        return dt.date(self.year, month, 1)

    @property
    def period_end(self) -> dt.date:
        months = {"monthly": 1, "annual": 12}.get(str(self.cadence), 3)
        start = self.period_start
        following = dt.date(
            start.year + (start.month + months - 1) // 12, (start.month + months - 1) % 12 + 1, 1
        )
        return following - dt.timedelta(days=1)


class RoundUnit(models.Model):
    """A unit taking part in a round; small units need approved outside raters (R3.6)."""

    class Proposal(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        MISSING = "missing", _("Not proposed yet")
        PROPOSED = "proposed", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    proposal = models.CharField(
        max_length=16, choices=Proposal.choices, default=Proposal.NOT_NEEDED
    )
    proposal_note = models.CharField(_("reason for the proposal"), max_length=300, blank=True)
    decision_note = models.CharField(_("reason for the decision"), max_length=300, blank=True)
    # The unit's rater-plan weights as they stood when voting opened: the close weighs
    # with these, whatever the plan or the unit's type becomes meanwhile (decision 31).
    leader_weight = models.PositiveSmallIntegerField(null=True, editable=False)
    team_weight = models.PositiveSmallIntegerField(null=True, editable=False)
    others_weight = models.PositiveSmallIntegerField(null=True, editable=False)

    class Meta:
        verbose_name = _("unit in a round")
        verbose_name_plural = _("units in rounds")
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="uniq_round_unit")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.unit_id}"

    @property
    def can_vote(self) -> bool:
        return self.proposal in (self.Proposal.NOT_NEEDED, self.Proposal.APPROVED)


class ExtraRater(models.Model):
    """A person from another unit proposed to rate a small unit's cadres (group 其他参评)."""

    round_unit = models.ForeignKey(RoundUnit, on_delete=models.CASCADE, related_name="extra_raters")
    person = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("outside rater")
        verbose_name_plural = _("outside raters")
        constraints = [
            models.UniqueConstraint(fields=["round_unit", "person"], name="uniq_extra_rater")
        ]

    def __str__(self) -> str:
        return f"{self.round_unit_id}:{self.person_id}"


class Participation(models.Model):
    """That `rater` cast a ballot for `unit` in `round`, and on which day. No values,
    and no time finer than the day (decision 31)."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="participations")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    rater = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="+")
    submitted_on = models.DateField()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["round", "unit", "rater"], name="uniq_participation")
        ]
        indexes = [models.Index(fields=["round", "unit"])]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.unit_id}:{self.rater_id}"


class DraftBallot(models.Model):
    """An unsubmitted ballot; deleted in the transaction that submits it."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    rater = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="+")
    # {"<target id>" or "<target id>:<aspect>": score}, sealed (kaohe.reviews.seal):
    # the row names its rater, so its values are not readable in the database.
    sealed = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("draft ballot")
        verbose_name_plural = _("draft ballots")
        constraints = [
            models.UniqueConstraint(fields=["round", "unit", "rater"], name="uniq_draft")
        ]

    def __str__(self) -> str:
        return f"draft {self.round_id}:{self.unit_id}"


class BallotBox(models.Model):
    """What an open round keeps of one rater group's ballots in one unit (decision 31).

    No row per ballot: each submitted ballot is folded into its box, whose whole tally
    (per target and aspect: count, sum, lowest, highest; and how many ballots) stays
    sealed (`kaohe.reviews.seal`) until the round closes; the close deletes the boxes.
    """

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    rater_group = models.CharField(max_length=16, choices=RaterGroup.choices)
    sealed = models.BinaryField()

    class Meta:
        verbose_name = _("ballot box")
        verbose_name_plural = _("ballot boxes")
        constraints = [
            models.UniqueConstraint(fields=["round", "unit", "rater_group"], name="uniq_box")
        ]

    def __str__(self) -> str:
        return f"box {self.round_id}:{self.unit_id}:{self.rater_group}"


class RoundResult(models.Model):
    """The evaluation component of one cadre in a closed round (R3 results)."""

    # Written only by reviews.closing, in one statement from the round's own scores,
    # whose ids the ballots checked: per-row foreign-key checks would cost seconds
    # per 100,000 cadres at every close. The ORM still cascades and protects on
    # delete; (round, target) and (round, unit) are the indexes reads use (a person's
    # results are looked up by round; deleting a person, which never happens in
    # practice, may scan).
    round = models.ForeignKey(
        ReviewRound,
        on_delete=models.CASCADE,
        related_name="results",
        db_constraint=False,
        db_index=False,
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    target = models.ForeignKey(
        "org.Person",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # The weighted score: NULL when fewer than k valid ballots rated the target
    # (decision 31), and the quarter then re-weighs its other parts.
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    # Ballots that covered the target: participation says as much, so it tells
    # nothing about any ballot's content.
    rater_count = models.PositiveIntegerField(default=0)
    # Per rater group, what a closed round keeps (decision 31): how many valid scores,
    # their (trimmed) mean in hundredths and the effective weight in ten-thousandths,
    # all NULL where the group had fewer than k scores or is hidden so that the others
    # cannot be subtracted from the score. Nothing else of the ballots is kept. Plain
    # integers: a close writes 100,000 of these rows, and JSON would triple them.
    leader_count = models.PositiveIntegerField(null=True)
    leader_mean = models.PositiveIntegerField(null=True)
    leader_weight = models.PositiveSmallIntegerField(null=True)
    team_count = models.PositiveIntegerField(null=True)
    team_mean = models.PositiveIntegerField(null=True)
    team_weight = models.PositiveSmallIntegerField(null=True)
    others_count = models.PositiveIntegerField(null=True)
    others_mean = models.PositiveIntegerField(null=True)
    others_weight = models.PositiveSmallIntegerField(null=True)
    # Annual democratic evaluation only: {aspect: {"score": "88.00" | null, "groups":
    # {group: {"count": n | null, "mean": "88.00" | null}}}}, hidden alike.
    dimensions = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("rating result")
        verbose_name_plural = _("rating results")
        constraints = [
            models.UniqueConstraint(fields=["round", "target"], name="uniq_round_result")
        ]
        indexes = [models.Index(fields=["round", "unit"])]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.target_id}={self.score}"

    @property
    def groups(self) -> dict[str, dict[str, Any]]:
        """Each group's figures: {"count": n, "mean": "88.00"}, or Nones where hidden."""
        out: dict[str, dict[str, Any]] = {}
        for group in RaterGroup:
            count = getattr(self, f"{group}_count")
            mean = getattr(self, f"{group}_mean")
            out[str(group)] = {
                "count": count,
                "mean": f"{mean // 100}.{mean % 100:02d}" if mean is not None else None,
            }
        return out

    @property
    def weights(self) -> dict[str, str]:
        """The effective weights of the groups that counted: {"leader": "0.4000", …}."""
        out = {}
        for group in RaterGroup:
            weight = getattr(self, f"{group}_weight")
            if weight is not None:
                out[str(group)] = f"{weight // 10000}.{weight % 10000:04d}"
        return out
