"""When a job counts as dead and when its file is gone: plain rules that the reads
(which show a job as it is) and the writes (which record it) both apply, so that a
page never has to write to show the truth (issue 15: reading a page never writes)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from kaohe.jobs.models import Job, JobState

# A large export's file is kept this long after its job ended (docs/operations.md).
EXPORT_FILE_HOURS = 24


def stale_after() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "KAOHE_JOB_STALE_MINUTES", 30))


def stale_message() -> str:
    return _("The job stopped without finishing (its worker ended). Start it again.")


def file_cutoff(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(hours=EXPORT_FILE_HOURS)


def is_stale(job: Job, now: dt.datetime) -> bool:
    """A running job that has shown no sign of life for KAOHE_JOB_STALE_MINUTES: its
    worker was killed."""
    if job.state != JobState.RUNNING:
        return False
    seen = job.heartbeat_at or job.started_at or job.created_at
    return now - seen >= stale_after()


def file_expired(job: Job, now: dt.datetime) -> bool:
    """An export's file kept past EXPORT_FILE_HOURS after its job ended."""
    if not (job.result_name and job.result_url and job.finished_at):
        return False
    return job.finished_at < file_cutoff(now)
