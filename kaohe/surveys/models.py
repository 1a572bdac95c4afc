"""民评: public satisfaction surveys (issue 19, R3.7, seed 002).

A region's office runs a survey (questions, open and close days) over targets: a unit,
optionally narrowed to a service window or a named cadre. Residents answer without an
account through one of three channels: a single-use token printed as a QR code for a
household visit, an open link at a service window (anti-stuffing in the views), or a
paper questionnaire typed by staff and checked by a second person before it counts.

Anonymity (LimeSurvey's anonymized responses as the model): a response keeps no token,
no address and no time finer than the day; its key is random, so even the order of
the rows says nothing of when they came; a token row only says it was used.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SurveyPolicy(models.Model):
    """A region's rules for public surveys; without a row the defaults are read,
    unsaved (`policies.policy_for`). Edited in the admin."""

    region = models.OneToOneField(
        "org.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    min_responses = models.PositiveSmallIntegerField(
        _("fewest responses before a result is shown"),
        default=10,
        validators=[MinValueValidator(3), MaxValueValidator(1000)],
    )
    device_limit = models.PositiveSmallIntegerField(
        _("answers one device may give to an open link"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    address_hourly_limit = models.PositiveSmallIntegerField(
        _("answers one network address may give to open links in an hour"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
    )
    min_seconds = models.PositiveSmallIntegerField(
        _("fewest seconds to answer an open link"),
        default=15,
        validators=[MaxValueValidator(600)],
    )
    low_index = models.DecimalField(
        _("an index below this is a low item sent to the ledger"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    cadre_bonus = models.DecimalField(
        _("points added to a named cadre rated well"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
    )
    cadre_deduction = models.DecimalField(
        _("points deducted from a named cadre rated low"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
    )
    cadre_bonus_from = models.DecimalField(
        _("index from which a named cadre gains the points"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("90.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        verbose_name = _("public survey rules")
        verbose_name_plural = _("public survey rules")

    def __str__(self) -> str:
        return str(self.region_id)


class IndexKind(models.TextChoices):
    """The three indices of seed 002's 民评, and a general one for other surveys."""

    HAPPINESS = "happiness", _("Happiness")
    SATISFACTION = "satisfaction", _("Satisfaction")
    SECURITY = "security", _("Sense of security")


class SurveyState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    # "Open" alone is 待办 elsewhere (a task); a survey taking answers is 进行中.
    OPEN = "open", pgettext_lazy("survey", "Open")
    CLOSED = "closed", _("Closed")


class Survey(models.Model):
    """One survey of a region; answers are taken while it is open and the day lies in
    [opens_on, closes_on]. `year`/`month` name the performance month whose 民评
    points it fills; `feeds_cadres` turns named cadres' results into plus and minus
    items of the quarter the survey closes in; `group` is the supervision group that
    receives the units' low items as findings."""

    region = models.ForeignKey("org.Region", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    intro = models.TextField(_("introduction"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=SurveyState.choices, default=SurveyState.DRAFT
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    year = models.PositiveSmallIntegerField(_("year of unit performance"), null=True, blank=True)
    month = models.PositiveSmallIntegerField(
        _("month of unit performance"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    feeds_cadres = models.BooleanField(
        _("named cadres' results become plus and minus items"), default=False
    )
    group = models.ForeignKey(
        "supervision.SupervisionGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("supervision group receiving low items"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The day its units' low items went to the group's ledger: they go once.
    low_items_sent_on = models.DateField(
        _("low items sent to the ledger on"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("public survey")
        verbose_name_plural = _("public surveys")
        indexes = [models.Index(fields=["region", "closes_on"], name="survey_region_closes")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="survey_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(year__isnull=True, month__isnull=True)
                | models.Q(year__isnull=False, month__isnull=False),
                name="survey_month_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    SCALE5 = "scale5", _("Scale of 1 to 5")
    SCALE10 = "scale10", _("Scale of 1 to 10")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Free text")


SCALE_TOP = {QuestionKind.SCALE5: 5, QuestionKind.SCALE10: 10}
# A scale answer at or above this counts as favourable in an index: 4–5 of 5, 8–10 of 10.
FAVOURABLE_FROM = {QuestionKind.SCALE5: 4, QuestionKind.SCALE10: 8}


class Question(models.Model):
    """A question; a scale question with an index counts towards it. Choices are a
    list of strings (single and multiple choice); an answer stores the choice's
    position."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    index = models.CharField(
        _("index"), max_length=20, choices=IndexKind.choices, blank=True, default=""
    )
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="uniq_question_position")
        ]

    def __str__(self) -> str:
        return self.text


class Target(models.Model):
    """What a survey rates: a unit, or a service window of it, or a named cadre of it.
    `open_key` is the open link's secret for a window (empty: no open link)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    window = models.CharField(_("service window"), max_length=60, blank=True)
    person = models.ForeignKey(
        "org.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("named cadre"),
    )
    open_key = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        verbose_name = _("survey target")
        verbose_name_plural = _("survey targets")
        indexes = [models.Index(fields=["unit", "survey"], name="survey_target_unit")]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.unit_id}:{self.window}:{self.person_id}"


class Token(models.Model):
    """A single-use code of a household visit: only its SHA-256 is kept, and whether it
    was used; never which response it gave, nor when."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("survey code")
        verbose_name_plural = _("survey codes")
        indexes = [models.Index(fields=["target", "used"], name="survey_token_target")]

    def __str__(self) -> str:
        return f"{self.target_id}:{'used' if self.used else 'new'}"


class Channel(models.TextChoices):
    TOKEN = "token", _("Household visit code")
    OPEN = "open", _("Service window link")
    PAPER = "paper", _("Paper questionnaire")


class Response(models.Model):
    """One respondent's answers. A random key and the day only: nothing ties it to a
    token, an address or a moment. A paper response counts once a second person has
    checked it (`counted`); the others count at once. `entered_by`/`checked_by` are
    staff, not respondents."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    day = models.DateField()
    counted = models.BooleanField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["target", "counted"], name="survey_response_target")]

    def __str__(self) -> str:
        return str(self.id)


class Answer(models.Model):
    """One answer: a scale value, or a choice's position (one row per chosen choice of
    a multiple-choice question). Free text is a Comment, moderated before it shows.
    A random key, as the response's: a sequence would give the order of arrival."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField()

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        indexes = [models.Index(fields=["question", "value"], name="survey_answer_question")]

    def __str__(self) -> str:
        return f"{self.question_id}={self.value}"


class CommentState(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    RELEASED = "released", _("Released to the unit")
    WITHHELD = "withheld", _("Withheld")


class Comment(models.Model):
    """A free-text answer. The unit sees `released_text` only, once a moderator has
    removed names and phone numbers and released it. A random key, as the response's."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="comments")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    state = models.CharField(
        max_length=10, choices=CommentState.choices, default=CommentState.PENDING
    )
    released_text = models.TextField(blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("survey comment")
        verbose_name_plural = _("survey comments")
        indexes = [models.Index(fields=["question", "state"], name="survey_comment_state")]

    def __str__(self) -> str:
        return f"{self.question_id}:{self.state}"


class Throttle(models.Model):
    """The open links' anti-stuffing counters that must hold under concurrent requests
    (the file cache's add and incr are not atomic): a spent challenge's nonce, and an
    address's answers in an hour, keyed by an HMAC of the address with the server's
    secret, never the address. `expires` lets the daily check delete old rows; nothing
    here names a response."""

    key = models.CharField(max_length=80, unique=True)
    count = models.PositiveIntegerField(default=1)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("anti-stuffing counter")
        verbose_name_plural = _("anti-stuffing counters")

    def __str__(self) -> str:
        return self.key
