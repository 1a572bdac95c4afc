"""The supervision ledger (督查销号台账, R8, seed 000): supervision groups (督导组) and
the units they cover, the findings they record with a deadline on the working-day
calendar, the units' rectifications, the groups' verification and 销号.

A finding's life (`FindingState`):

    open ──(unit submits its rectification)──▶ rectifying
    rectifying ──(group verifies it)──▶ verified ──(group strikes it off)──▶ struck off (销号)
    rectifying ──(group sends it back, with a reason)──▶ sent back
    sent back ──(unit submits again)──▶ rectifying

A finding past its deadline and not struck off is overdue (`Finding.is_overdue`); its
deadline does not move when it is sent back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    GENERAL = "general", _("General problem")
    SERIOUS = "serious", _("Serious problem")


class FindingCategory(models.TextChoices):
    """What the groups of seed 000 look at in a unit's 平时考核 work."""

    SCHEME = "scheme", _("Assessment scheme")
    RECORDS = "records", _("Work records")
    ORGANISATION = "organisation", _("Organisation of the assessment")
    RESULTS_USE = "results_use", _("Use of the assessment results")
    PARTY = "party", _("Party building")
    OTHER = "other", _("Other")


class FindingState(models.TextChoices):
    OPEN = "open", _("Awaiting rectification")
    RECTIFYING = "rectifying", _("Rectification awaiting verification")
    SENT_BACK = "sent_back", _("Sent back for rectification")
    VERIFIED = "verified", _("Verified, awaiting strike-off")
    STRUCK_OFF = "struck_off", _("Struck off")


# The states in which the unit has to act, and those in which the group does.
UNIT_TO_ACT = (FindingState.OPEN, FindingState.SENT_BACK)
GROUP_TO_ACT = (FindingState.RECTIFYING, FindingState.VERIFIED)


class SupervisionPolicy(models.Model):
    """A region's rules for the ledger; without a row the defaults are read, unsaved
    (`policies.policy_for`). Edited in the admin."""

    region = models.OneToOneField(
        "org.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    general_days = models.PositiveSmallIntegerField(
        _("working days to rectify a general problem"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    serious_days = models.PositiveSmallIntegerField(
        _("working days to rectify a serious problem"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("days before the deadline the unit is reminded"),
        default=3,
        validators=[MaxValueValidator(30)],
    )
    general_deduction = models.DecimalField(
        _("points deducted a month for an overdue general problem"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
    )
    serious_deduction = models.DecimalField(
        _("points deducted a month for an overdue serious problem"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
    )
    monthly_cap = models.DecimalField(
        _("most points a unit loses in a month for overdue problems"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        verbose_name = _("rules of the supervision ledger")
        verbose_name_plural = _("rules of the supervision ledger")

    def __str__(self) -> str:
        return str(_("Rules of the supervision ledger"))

    def days_for(self, severity: str) -> int:
        return self.serious_days if severity == Severity.SERIOUS else self.general_days


class SupervisionGroup(models.Model):
    """A 督导组: the users who inspect and the units they cover."""

    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="supervision_groups",
        verbose_name=_("members"),
        blank=True,
    )
    units = models.ManyToManyField(
        "org.Unit", related_name="supervision_groups", verbose_name=_("units covered"), blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("supervision group")
        verbose_name_plural = _("supervision groups")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="supervision_group_name")
        ]

    def __str__(self) -> str:
        return self.name


class Finding(models.Model):
    """A problem a group found in a unit (问题), with its deadline kept on the row."""

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(
        SupervisionGroup,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("supervision group"),
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    category = models.CharField(_("category"), max_length=16, choices=FindingCategory.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    description = models.TextField(_("description"))
    found_on = models.DateField(_("found on"))
    deadline = models.DateField(_("deadline"))
    state = models.CharField(
        _("state"), max_length=16, choices=FindingState.choices, default=FindingState.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    verified_on = models.DateField(null=True, blank=True)
    struck_off_on = models.DateField(_("struck off on"), null=True, blank=True)
    struck_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The daily check's once-only marks: the deadline reminded of, the deadline whose
    # passing was announced.
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    overdue_notified_for = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("problem found")
        verbose_name_plural = _("problems found")
        indexes = [
            models.Index(fields=["region", "found_on", "id"], name="finding_region"),
            models.Index(fields=["region", "state", "deadline"], name="finding_region_state"),
            models.Index(fields=["unit", "state", "deadline"], name="finding_unit"),
            models.Index(fields=["group", "state", "deadline"], name="finding_group"),
            models.Index(fields=["region", "deadline"], name="finding_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.found_on} {self.description[:20]}"

    def is_overdue(self, today: dt.date) -> bool:
        return self.state != FindingState.STRUCK_OFF and today > self.deadline


class Decision(models.TextChoices):
    PENDING = "pending", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    SENT_BACK = "sent_back", _("Sent back")


class Rectification(models.Model):
    """One round of the unit's rectification (整改) and the group's decision on it."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="rectifications")
    number = models.PositiveSmallIntegerField(_("round"))
    text = models.TextField(_("rectification"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_on = models.DateField(_("submitted on"))
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        constraints = [
            models.UniqueConstraint(fields=["finding", "number"], name="rectification_round")
        ]

    def __str__(self) -> str:
        return f"{self.finding_id} #{self.number}"


class FindingEvidence(models.Model):
    """A file attached to a finding by the group (with `rectification` empty) or to a
    rectification by the unit; kept in the database, a few MB at most."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="evidence")
    rectification = models.ForeignKey(
        Rectification, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("file type"), max_length=100)
    content = models.BinaryField(_("file"), editable=False)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.file_name
