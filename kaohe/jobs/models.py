"""Long work run by the background worker, with its progress (issue 13, item 5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaohe.org.models import Region


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


class Job(models.Model):
    """One piece of long work: what it is (`kind`), what it works on (`key`, e.g.
    "quarter:2026-3"), how far it is, and how it ended. At most one active (queued or
    running) job per region and key: a second click finds the first."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, verbose_name=_("region"))
    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("key"), max_length=80)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # An upload the job reads (the roster file), kept in the database so a worker on
    # another host finds it; emptied when the job ends. Never loaded by the poll.
    payload = models.BinaryField(_("payload"), null=True, blank=True, editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    # How many times progress was written: bounded by Progress (about 50 a job).
    updates = models.PositiveIntegerField(_("progress updates"), default=0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    result_url = models.CharField(_("result"), max_length=200, blank=True)
    # The workbook a large export wrote (kaohe.jobs.exports), kept in the database like
    # the payload so the web server finds what a worker on another host wrote. Emptied
    # when a newer export of the same key finishes or a day after the job ended
    # (EXPORT_FILE_HOURS). Never loaded by the poll.
    result_file = models.BinaryField(_("result file"), null=True, blank=True, editable=False)
    result_name = models.CharField(_("result file name"), max_length=200, blank=True)
    # Chinese text for the user; the traceback goes to the log only.
    error = models.TextField(_("error"), blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Touched whenever progress is written: a running job silent for too long crashed.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "key"],
                condition=Q(state__in=["queued", "running"]),
                name="jobs_one_active_per_key",
            )
        ]
        indexes = [
            # The active jobs of some kinds (the scores overview); small by construction.
            models.Index(
                fields=["region", "kind"],
                condition=Q(state__in=["queued", "running"]),
                name="jobs_active_kind",
            ),
            # The jobs still holding an export's file: the older ones of a key and the
            # expired ones of a region are emptied through it.
            models.Index(
                fields=["region", "key", "finished_at"],
                condition=Q(result_file__isnull=False),
                name="jobs_with_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)
