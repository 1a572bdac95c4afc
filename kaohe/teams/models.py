"""The leadership team's annual assessment (领导班子考核, R5.9, R5.14).

A unit's leadership team is its members holding a leadership role (main leader or team
member) on the year's last day. Its annual score weighs five components (by default
performance 60, democratic evaluation 10, leader evaluation 10, public survey 10, party
building 10); its grade (优秀 / 良好 / 一般 / 较差) comes from score bands, 优秀 capped
by the region's quota.

The office enters the components no other domain supplies (TeamEntry: leader
evaluation, public survey, party building, and the democratic evaluation where no
annual round rated the team's members), computes the year (TeamYearResult, one per
team) and publishes it (TeamYear), after which the unit's leaders see their result.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def _weight(label: StrOrPromise, default: int) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        label, max_digits=5, decimal_places=2, default=Decimal(default), validators=PERCENT
    )


def _score(label: StrOrPromise) -> models.DecimalField[Decimal | None, Decimal | None]:
    return models.DecimalField(
        label, max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )


class TeamGrade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent (team)")  # 优秀
    GOOD = "good", _("Good (team)")  # 良好
    FAIR = "fair", _("Fair (team)")  # 一般
    POOR = "poor", _("Poor (team)")  # 较差


class Component(models.TextChoices):
    """The five parts of a team's annual score."""

    PERFORMANCE = "performance", _("Unit performance")
    DEMOCRATIC = "democratic", _("Democratic evaluation of the team")
    LEADER = "leader", _("Evaluation by the leaders")
    PUBLIC = "public", _("Public survey")
    PARTY = "party", _("Party building")


class TeamPolicy(models.Model):
    """A region's rules for the teams' year; a missing row reads as these defaults."""

    region = models.OneToOneField(
        "org.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    performance_weight = _weight(_("weight of unit performance (%)"), 60)
    democratic_weight = _weight(_("weight of the democratic evaluation (%)"), 10)
    leader_weight = _weight(_("weight of the leaders' evaluation (%)"), 10)
    public_weight = _weight(_("weight of the public survey (%)"), 10)
    party_weight = _weight(_("weight of party building (%)"), 10)
    # 优秀: at least this score, and within the quota (a share of the teams graded).
    excellent_from = _weight(_("lowest score for 优秀"), 90)
    good_from = _weight(_("lowest score for 良好"), 80)
    fair_from = _weight(_("lowest score for 一般"), 60)
    excellent_share = _weight(_("share of teams that may be 优秀 (%)"), 20)

    class Meta:
        verbose_name = _("leadership team rules")
        verbose_name_plural = _("leadership team rules")

    def __str__(self) -> str:
        return f"{self.region_id}"

    def weights(self) -> dict[str, Decimal]:
        return {
            Component.PERFORMANCE: self.performance_weight,
            Component.DEMOCRATIC: self.democratic_weight,
            Component.LEADER: self.leader_weight,
            Component.PUBLIC: self.public_weight,
            Component.PARTY: self.party_weight,
        }

    def problems(self) -> list[str]:
        """What makes these rules unusable, in words (empty when they are sound)."""
        out = []
        total = sum(self.weights().values(), Decimal(0))
        if total != 100:
            out.append(str(_("The five weights add up to %(total)s, not 100.") % {"total": total}))
        if not self.excellent_from >= self.good_from >= self.fair_from:
            out.append(str(_("The lowest scores must fall from 优秀 to 良好 to 一般.")))
        return out

    def clean(self) -> None:
        problems = self.problems()
        if problems:
            raise ValidationError(problems)


class TeamYear(models.Model):
    """A region's year of team assessment: computed (again while not published), then
    published, after which the results are final and the units' leaders see them."""

    class State(models.TextChoices):
        COMPUTED = "computed", _("Computed, not published")
        PUBLISHED = "published", _("Published")

    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.COMPUTED
    )
    computed_at = models.DateTimeField(_("computed at"))
    # Set by every entry save: a compute after it clears it; publishing refuses it.
    entries_changed = models.BooleanField(_("entries changed since computed"), default=False)
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
        verbose_name = _("year of team assessment")
        verbose_name_plural = _("years of team assessment")
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="uniq_team_year")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"


class TeamEntry(models.Model):
    """The office's figures for one unit's team in one year, each out of 100, with the
    evidence they rest on. `version` counts saves: the grid refuses a stale save."""

    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    democratic = _score(_("democratic evaluation (where no annual round rated the team)"))
    leader = _score(_("evaluation by the leaders"))
    public = _score(_("public survey"))
    party = _score(_("party building"))
    evidence = models.CharField(_("evidence or note"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    updated_at = models.DateTimeField(_("entered at"), auto_now=True)

    class Meta:
        verbose_name = _("team evaluation entry")
        verbose_name_plural = _("team evaluation entries")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="uniq_team_entry")]
        indexes = [models.Index(fields=["region", "year"], name="team_entry_region_year")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}"


class TeamYearResult(models.Model):
    """One team's computed year: its components, score, rank, grade and explanation."""

    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # The team on the year's last day: [{"id": person id, "name": …, "role": "main"|"team"}].
    members = models.JSONField(_("team members"), default=list)
    performance = models.DecimalField(
        _("unit performance"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    democratic = _score(_("democratic evaluation"))
    leader = _score(_("evaluation by the leaders"))
    public = _score(_("public survey"))
    party = _score(_("party building"))
    # The components missing (Component values): no score, no rank, no grade while any is.
    missing = models.JSONField(_("missing components"), default=list)
    composite = models.DecimalField(
        _("annual score"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=16, choices=TeamGrade.choices, blank=True)
    # A tie at the quota line: the tied teams stay 良好, for the office to decide.
    quota_tie = models.BooleanField(_("tied at the quota line"), default=False)
    # [{"code": StepCode value, "params": {…}}], shown through teams.explain.
    explanation = models.JSONField(_("explanation"), default=list)

    class Meta:
        verbose_name = _("team's annual result")
        verbose_name_plural = _("teams' annual results")
        ordering = ["year", "rank", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="uniq_team_year_result")
        ]
        indexes = [models.Index(fields=["region", "year", "rank"], name="team_result_region_year")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}"
