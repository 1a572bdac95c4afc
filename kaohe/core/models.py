from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """An append-only record of one write: who did what to which object, and when.

    One row per state change: the audit page lists them all, and an object's history
    (a round's, a scheme version's) is its rows with a `state`, read by the object
    (kaohe.core.selectors.object_history). `action` is an `AuditAction` code.

    `details`, `state` and `note` must never hold ballot values or anything else that
    could link a rater to a score; services choose what goes in them.
    """

    region = models.ForeignKey(
        "org.Region", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("region")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    # The actor's username is kept too, so the trail survives a deleted account.
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    # For an object with a history: the state the change left it in ("open",
    # "submitted"), and the reason or note the history shows with it. Defaults in the
    # database too, for rows inserted in SQL (bench/pages.py).
    state = models.CharField(_("state"), max_length=16, blank=True, default="", db_default="")
    note = models.CharField(_("note"), max_length=500, blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        # The log page reads each of its filters from one of the first three in its own
        # order (newest first, the id settling equal times): keyset pages, no sort.
        indexes = [
            models.Index(fields=["region", "-created_at", "-id"], name="audit_region_time"),
            models.Index(
                fields=["region", "action", "-created_at", "-id"], name="audit_region_action"
            ),
            models.Index(
                fields=["region", "actor_name", "-created_at", "-id"], name="audit_region_actor"
            ),
            models.Index(fields=["actor", "-created_at"]),
            # An object's history, oldest first, and its rows by action.
            models.Index(
                fields=["object_type", "object_id", "created_at", "id"], name="audit_object_time"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"
        )


class WorkdayOverride(models.Model):
    """An administrator's correction to the official calendar for one region.

    Also how holidays are entered for years the chinesecalendar package does
    not know yet.
    """

    region = models.ForeignKey("org.Region", on_delete=models.CASCADE, verbose_name=_("region"))
    day = models.DateField(_("date"))
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["region", "day"], name="uniq_workday_override")
        ]

    def __str__(self) -> str:
        return f"{self.day} {'workday' if self.is_workday else 'rest day'}"


class Notification(models.Model):
    """An in-app message to one user, e.g. a leader commented on their log."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.text
