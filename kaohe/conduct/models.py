"""Discipline, punishments and absences (R5.13, R5.4): personnel facts the annual
rules read (scoring's inputs, below the archive) and the forms and archive show.

Kept apart from outcomes because the engine reads them: outcomes sits above scoring,
this app below it (docs/architecture.md, Layers)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DisciplineKind(models.TextChoices):
    # 政务处分 / 处分 under the Civil Service Law
    WARNING = "warning", _("Warning (警告)")
    DEMERIT = "demerit", _("Demerit (记过)")
    MAJOR_DEMERIT = "major_demerit", _("Major demerit (记大过)")
    DEMOTION = "demotion", _("Demotion (降级)")
    REMOVAL = "removal", _("Removal from post (撤职)")
    # 党纪处分, whose effect on grades a per-region mapping table decides
    PARTY_WARNING = "party_warning", _("Party warning (党内警告)")
    PARTY_SERIOUS_WARNING = "party_serious_warning", _("Serious party warning (党内严重警告)")
    PARTY_POST_REMOVAL = "party_post_removal", _("Removal from party post (撤销党内职务)")
    PARTY_PROBATION = "party_probation", _("Party probation (留党察看)")
    # Not a punishment, but recorded the same way and read by the same rule
    REFUSAL = "refusal", _("Refused to take part in the assessment")


class DisciplineRecord(models.Model):
    """A punishment in force from `start` to `end` (the punishment period), with the
    document that imposed it."""

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DisciplineKind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)
    document = models.CharField(_("source document"), max_length=200)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("discipline record")
        verbose_name_plural = _("discipline records")
        indexes = [
            models.Index(fields=["person", "start"], name="disc_person"),
            models.Index(fields=["region", "start"], name="disc_region"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.start}"


class AbsenceKind(models.TextChoices):
    ABSENT = "absent", _("Absent without leave (旷工)")
    LEAVE = "leave", _("Leave (请假)")
    LATE_EARLY = "late_early", _("Late arrival or early leaving (迟到早退)")


class AbsenceRecord(models.Model):
    """Days away (旷工, 请假: `days`) or times late or early (迟到早退: `times`) in a
    period, as the 平时考核登记表 reports them; long leave bars 优秀 (R5.4)."""

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AbsenceKind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    days = models.DecimalField(_("days"), max_digits=5, decimal_places=1, default=0)
    times = models.PositiveSmallIntegerField(_("times"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("absence record")
        verbose_name_plural = _("absence records")
        indexes = [models.Index(fields=["person", "start"], name="absence_person")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.start}"


class ConductEffect(models.TextChoices):
    """What a record does to the annual grade (R5.13). The values are stored in the
    policy and carried in the engine's input: they never change."""

    NONE = "none", _("No effect on the grade")
    NO_EXCELLENT = "no_excellent", _("Cannot be 优秀 that year")
    NO_GRADE = "no_grade", _("Comments only, no grade, in the punishment period")
    INCOMPETENT = "incompetent", _("不称职 that year")


class LeaveEffect(models.TextChoices):
    NO_EXCELLENT = "no_excellent", _("Cannot be 优秀 that year")
    NO_GRADE = "no_grade", _("Comments only, no grade, that year")


class ConductPolicy(models.Model):
    """A region's rules for what discipline and leave do to the annual grade (R5.13,
    R5.4); read through conduct.policies, edited in the admin. The defaults and their
    sources are in docs/decisions.md ("Conduct and grades")."""

    region = models.OneToOneField(
        "org.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    # The punishment periods of the Civil Service Law art. 64 and the Law on
    # Governmental Sanctions art. 8, used when a record leaves its end blank.
    warning_months = models.PositiveSmallIntegerField(
        _("months of a 警告 when no end is given"), default=6
    )
    demerit_months = models.PositiveSmallIntegerField(
        _("months of a 记过 when no end is given"), default=12
    )
    major_demerit_months = models.PositiveSmallIntegerField(
        _("months of a 记大过 when no end is given"), default=18
    )
    demotion_months = models.PositiveSmallIntegerField(
        _("months of a 降级 when no end is given"), default=24
    )
    removal_months = models.PositiveSmallIntegerField(
        _("months of a 撤职 when no end is given"), default=24
    )
    # Party discipline: its period when no end is given (the 影响期 of the CPC
    # Disciplinary Regulations) and its effect on the grade (the mapping table).
    party_warning_months = models.PositiveSmallIntegerField(
        _("months of a 党内警告 when no end is given"), default=12
    )
    party_serious_warning_months = models.PositiveSmallIntegerField(
        _("months of a 党内严重警告 when no end is given"), default=18
    )
    party_post_removal_months = models.PositiveSmallIntegerField(
        _("months of a 撤销党内职务 when no end is given"), default=24
    )
    party_probation_months = models.PositiveSmallIntegerField(
        _("months of a 留党察看 when no end is given"), default=24
    )
    party_warning_effect = models.CharField(
        _("effect of a 党内警告"),
        max_length=16,
        choices=ConductEffect.choices,
        default=ConductEffect.NO_EXCELLENT,
    )
    party_serious_warning_effect = models.CharField(
        _("effect of a 党内严重警告"),
        max_length=16,
        choices=ConductEffect.choices,
        default=ConductEffect.NO_GRADE,
    )
    party_post_removal_effect = models.CharField(
        _("effect of a 撤销党内职务"),
        max_length=16,
        choices=ConductEffect.choices,
        default=ConductEffect.INCOMPETENT,
    )
    party_probation_effect = models.CharField(
        _("effect of a 留党察看"),
        max_length=16,
        choices=ConductEffect.choices,
        default=ConductEffect.INCOMPETENT,
    )
    # Long leave (R5.4): more than this many days of 请假 in the year, and its effect.
    leave_days_limit = models.PositiveSmallIntegerField(
        _("days of leave in a year above which the rule applies"), default=30
    )
    leave_effect = models.CharField(
        _("effect of long leave"),
        max_length=16,
        choices=LeaveEffect.choices,
        default=LeaveEffect.NO_EXCELLENT,
    )

    class Meta:
        verbose_name = _("rules for discipline and leave")
        verbose_name_plural = _("rules for discipline and leave")

    def __str__(self) -> str:
        return str(_("Rules for discipline and leave"))
