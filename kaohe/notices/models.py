"""Outside delivery of notifications (email, group-robot webhooks) and reminders.

The in-app notification itself is `core.Notification`; this app adds where else a
message goes (a region's `Channel`s), what became of each attempt (`Delivery`) and
the once-a-day record of reminders (`Reminder`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaohe.notices.targets import HOST_REFUSED, host_refused


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


WEBHOOK_KINDS = frozenset({ChannelKind.WECOM, ChannelKind.DINGTALK})
_HTTP_URL = URLValidator(schemes=["http", "https"])


def mask(secret: str) -> str:
    """A secret shown so that an admin can tell two apart but not use one."""
    if not secret:
        return ""
    if len(secret) <= 8:
        return "••••"
    return f"{secret[:12]}…{secret[-4:]}" if "://" in secret[:12] else f"••••{secret[-4:]}"


class Channel(models.Model):
    """Where a region's notifications go besides the in-app list."""

    region = models.ForeignKey(
        "org.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    # A webhook URL (it holds the robot's key: a secret), or for email the sender
    # address (blank: the server's default sender).
    target = models.CharField(
        _("webhook URL or sender address"),
        max_length=500,
        blank=True,
        help_text=_(
            "For a group robot, the webhook URL from the group's robot settings (http or "
            "https). For email, the sender address, or blank for the server's default."
        ),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk only: the robot's signing secret (SEC…), if signing is on."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivery channel")
        verbose_name_plural = _("delivery channels")
        ordering = ["region", "name"]
        indexes = [models.Index(fields=["region", "enabled"])]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_target(self) -> str:
        return mask(self.target) if self.kind in WEBHOOK_KINDS else self.target

    def clean(self) -> None:
        super().clean()
        if self.kind in WEBHOOK_KINDS:
            try:
                _HTTP_URL(self.target)
            except ValidationError as exc:
                raise ValidationError(
                    {
                        "target": _(
                            "Enter the robot's webhook URL, starting with https:// or http://."
                        )
                    }
                ) from exc
            if host_refused(self.target, resolve=False):
                raise ValidationError({"target": HOST_REFUSED})
        elif self.kind == ChannelKind.EMAIL and self.target:
            try:
                validate_email(self.target)
            except ValidationError as exc:
                raise ValidationError(
                    {"target": _("Enter a sender email address, or leave it blank.")}
                ) from exc
        if self.secret and self.kind != ChannelKind.DINGTALK:
            raise ValidationError({"secret": _("Only a DingTalk robot has a signing secret.")})


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to send")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Failed, will retry")
    FAILED = "failed", _("Failed, retries used up")


class Delivery(models.Model):
    """One message through one channel; kept whatever happens (never dropped)."""

    region = models.ForeignKey("org.Region", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=32)  # the event: round_open, reminder_log, …
    text = models.CharField(max_length=1000)
    url = models.CharField(max_length=300, blank=True)
    # Email only: the users written to (their addresses are read when sending).
    recipients = models.JSONField(default=list, blank=True)
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region", "state", "-created_at"]),
            models.Index(fields=["state", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.kind}:{self.state}"


class ReminderKind(models.TextChoices):
    LOG = "log", _("Today's log")
    VOTE = "vote", _("Open ballot")
    BALLOT_DUE = "ballot_due", _("Ballot closing soon")


class Reminder(models.Model):
    """That `user` was reminded of `kind` for `day`: at most one per (user, kind, day).

    `day` is the day of the reminder for a log or a vote, and the round's last day
    for a ballot closing soon (so each round's end is announced once).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    day = models.DateField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The call that wrote the row: tells who this call reminded from who another
    # call (a double click, a second admin) reminded at the same moment.
    batch = models.UUIDField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["batch"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "day"], name="uniq_reminder_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}:{self.day}"
