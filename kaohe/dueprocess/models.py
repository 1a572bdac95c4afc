"""Due process of the annual result (R5.12): 公示 of the 优秀 candidates with objections,
the written notice the cadre signs, and the cases of 复核 and 申诉 on their clocks.

A year's result decides promotion, bonuses and dismissal; it is final only after these
steps. The clocks are the Civil Service Law's (复核 30 days, decided in 30; 申诉 15 days
after the 复核 decision, decided in 60, extendable once by 30) and common practice for
公示 (5 working days); every figure is the region's (DueProcessPolicy). The deadlines
are computed by `clocks` and kept on the rows, so a later change of the region's
figures does not move a clock that is already running.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DueProcessPolicy(models.Model):
    """A region's due-process figures; defaults are the law's and common practice."""

    region = models.OneToOneField(
        "org.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    # 公示: the 优秀 candidates are shown this many working days before the year is final.
    publicity_workdays = models.PositiveSmallIntegerField(_("公示 lasts (working days)"), default=5)
    publicity_required = models.BooleanField(
        _("a year is published only after its 公示"), default=True
    )
    # The written notice: unsigned this many days after it is issued, it is a unit task.
    notice_sign_days = models.PositiveSmallIntegerField(
        _("days to sign the notice before it becomes a task"), default=5
    )
    # 复核 (Civil Service Law art. 95): within 30 days of the notice, decided within 30.
    review_request_days = models.PositiveSmallIntegerField(
        _("复核 may be requested within (days of the notice)"), default=30
    )
    review_decide_days = models.PositiveSmallIntegerField(
        _("复核 is decided within (days)"), default=30
    )
    # 申诉: within 15 days of the 复核 decision (or directly within 30 days of the notice
    # where the region allows), decided within 60, extendable once by 30 with a reason.
    appeal_request_days = models.PositiveSmallIntegerField(
        _("申诉 may be lodged within (days of the 复核 decision)"), default=15
    )
    appeal_direct_allowed = models.BooleanField(
        _("申诉 may be lodged without a 复核 first"), default=False
    )
    appeal_direct_days = models.PositiveSmallIntegerField(
        _("a direct 申诉 may be lodged within (days of the notice)"), default=30
    )
    appeal_decide_days = models.PositiveSmallIntegerField(
        _("申诉 is decided within (days)"), default=60
    )
    appeal_extension_days = models.PositiveSmallIntegerField(
        _("a 申诉 decision may be extended once by (days)"), default=30
    )
    # The higher authority that decides the region's 申诉: the administrators of this
    # region (the city over a county). Unset, the region's own administrators decide
    # them, as the designated body, and the rules page says so.
    appeal_region = models.ForeignKey(
        "org.Region",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("申诉 decided by the administrators of"),
    )
    # Reminders: this many days before a deadline, the party that must act is reminded.
    reminder_days = models.PositiveSmallIntegerField(
        _("remind this many days before a deadline"), default=3
    )

    class Meta:
        verbose_name = _("due-process rules")
        verbose_name_plural = _("due-process rules")

    def __str__(self) -> str:
        return f"{self.region_id}"


class Publicity(models.Model):
    """The 公示 of one computed year's 优秀 candidates (one per annual run). It runs
    `starts_on`..`ends_on` (working days, on the region's official calendar); the year
    can be published only after `ends_on` with every objection answered, when the
    region admin confirms it (`confirmed_at`)."""

    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    run = models.OneToOneField(
        "scoring.AnnualRun",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("annual run"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        indexes = [models.Index(fields=["region", "year"], name="dp_publicity_region_year")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} {self.starts_on}..{self.ends_on}"


class PublicityEntry(models.Model):
    """One candidate as the 公示 lists them: name, unit and post as they stood, the
    proposed grade. A candidate withdrawn (an objection upheld, a recompute) stays
    listed as withdrawn with the reason; a candidate added later has their own
    `listed_on` and their own end of 公示 (`ends_on`)."""

    publicity = models.ForeignKey(
        Publicity, on_delete=models.CASCADE, related_name="entries", verbose_name=_("公示")
    )
    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=100)
    unit_name = models.CharField(_("unit"), max_length=200, blank=True)
    post = models.CharField(_("post"), max_length=100, blank=True)
    grade = models.CharField(_("proposed grade"), max_length=16)
    # A unit's leaders (main leader, leadership team) hold posts the region appoints:
    # their candidacy is posted to the whole region, everyone else's to their units.
    region_wide = models.BooleanField(_("posted to the whole region"), default=False)
    listed_on = models.DateField(_("listed on"))
    ends_on = models.DateField(_("公示 ends on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason withdrawn"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("公示 candidate")
        verbose_name_plural = _("公示 candidates")
        constraints = [
            models.UniqueConstraint(fields=["publicity", "person"], name="uniq_publicity_person")
        ]
        indexes = [models.Index(fields=["unit", "publicity"], name="dp_entry_unit")]

    def __str__(self) -> str:
        return f"{self.publicity_id} {self.name}"


class Objection(models.Model):
    """An objection raised during the 公示, named or anonymous. An anonymous objection
    keeps no author at all (not even for administrators): `author` is empty and the
    time is kept to the day. The region admin answers each with a written finding;
    an open objection blocks the year's confirmation."""

    class Finding(models.TextChoices):
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Not upheld")

    publicity = models.ForeignKey(
        Publicity, on_delete=models.PROTECT, related_name="objections", verbose_name=_("公示")
    )
    entry = models.ForeignKey(
        PublicityEntry,
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name=_("candidate"),
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("raised by"),
    )
    raised_on = models.DateField(_("raised on"))
    text = models.TextField(_("objection"))
    finding = models.CharField(_("finding"), max_length=16, choices=Finding.choices, blank=True)
    finding_text = models.TextField(_("written finding"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            # An anonymous objection has no author, by construction.
            models.CheckConstraint(
                condition=models.Q(anonymous=False) | models.Q(author__isnull=True),
                name="objection_anonymous_no_author",
            )
        ]

    def __str__(self) -> str:
        return f"{self.publicity_id} {self.entry_id} {self.finding or 'open'}"


class Notice(models.Model):
    """The written notice (书面通知) of a cadre's annual result: grade, score and the
    explanation as notified, their rights and deadlines. The cadre signs it with
    本人意见 (agrees, or disagrees with a text). The 复核 clock runs from `issued_on`;
    a notice superseded by a later one (a changed result) keeps its text."""

    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    record = models.ForeignKey(
        "outcomes.YearRecord",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("archived year"),
    )
    grade = models.CharField(_("grade"), max_length=16)
    composite = models.DecimalField(
        _("composite score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    explanation = models.TextField(_("explanation"), blank=True)
    issued_on = models.DateField(_("issued on"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    sign_due_on = models.DateField(_("to be signed by"))
    # notice part: the rights' deadlines, stored when the notice is issued (a later
    # change of the region's figures does not move them): 复核 within the region's days
    # of the notice; a direct 申诉 where the region allows one (None otherwise).
    review_due_on = models.DateField(_("复核 may be requested until"), null=True, blank=True)
    appeal_direct_due_on = models.DateField(
        _("a direct 申诉 may be lodged until"), null=True, blank=True
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    agrees = models.BooleanField(_("agrees"), null=True, blank=True)
    opinion = models.TextField(_("本人意见"), blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # cases: the last day of the 复核 window the cadre was reminded of (once per deadline).
    review_reminded_for = models.DateField(null=True, blank=True, editable=False)
    # ... and of the window of a 申诉 lodged directly, where the region allows one.
    direct_reminded_for = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("written notice")
        verbose_name_plural = _("written notices")
        indexes = [
            models.Index(fields=["person", "year"], name="dp_notice_person"),
            models.Index(fields=["unit", "year", "signed_at"], name="dp_notice_unit"),
            models.Index(fields=["region", "year"], name="dp_notice_region"),
            # The daily reminder of the 复核 window reads the days about to close.
            models.Index(fields=["review_due_on"], name="dp_notice_review_due"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year} {self.grade}"


class CaseKind(models.TextChoices):
    REVIEW = "review", _("复核")
    APPEAL = "appeal", _("申诉")


class CaseState(models.TextChoices):
    OPEN = "open", _("Awaiting decision")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Case(models.Model):
    """A 复核 (decided by the region's assessment office) or a 申诉 (decided by the
    higher authority: a holder of the appeal-body role over the region). `due_on` is
    the day the decision is due (its clock from `filed_on`), moved once by an
    extension with its reason for a 申诉. A decision upholds the result or changes
    it; a change is applied as a recorded correction of the archived year
    (outcomes.YearRecordCorrection), never by overwriting it."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Result upheld")
        CHANGED = "changed", _("Result changed")

    kind = models.CharField(_("kind"), max_length=8, choices=CaseKind.choices)
    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="cases", verbose_name=_("notice")
    )
    review = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("复核 appealed against"),
    )
    request_text = models.TextField(_("request"))
    filed_on = models.DateField(_("filed on"))
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    due_on = models.DateField(_("decision due on"))
    extended_days = models.PositiveSmallIntegerField(_("extended by (days)"), default=0)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=CaseState.choices, default=CaseState.OPEN
    )
    outcome = models.CharField(_("decision"), max_length=12, choices=Outcome.choices, blank=True)
    new_grade = models.CharField(_("grade after the decision"), max_length=16, blank=True)
    # A change may correct the composite score too (or only it): the archive's ranks
    # in the tier and the unit are then ranked again.
    new_composite = models.DecimalField(
        _("composite score after the decision"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
    )
    reasons = models.TextField(_("reasons"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # cases part: the deciding body is fixed when the case is filed (as its clock is):
    # the region whose administrators decide it (the region's own for a 复核, the
    # policy's appeal_region, or the region itself as the designated body, for a 申诉).
    body_region = models.ForeignKey(
        "org.Region",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by the administrators of"),
    )
    extended_on = models.DateField(_("extended on"), null=True, blank=True)
    # A decided 复核: the last day a 申诉 may be lodged against it (stored at the decision).
    appeal_until = models.DateField(_("申诉 may be lodged until"), null=True, blank=True)
    # The correction of the archive a "changed" decision made.
    correction = models.ForeignKey(
        "outcomes.YearRecordCorrection",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Reminders sent, once per deadline: the due date (or window end) reminded of.
    body_reminded_for = models.DateField(null=True, blank=True, editable=False)
    appeal_reminded_for = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["region", "kind", "state", "due_on"], name="dp_case_docket"),
            models.Index(fields=["person", "year"], name="dp_case_person"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} {self.year} {self.state}"


class CaseEvidence(models.Model):
    """A piece of evidence added to a case by a party: a statement, with a file where
    one is attached (kept in the database, as job files are; a few MB at most)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("case")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    text = models.TextField(_("statement"), blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("file type"), max_length=100, blank=True)
    content = models.BinaryField(_("file"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return f"{self.case_id} {self.file_name or self.text[:20]}"
