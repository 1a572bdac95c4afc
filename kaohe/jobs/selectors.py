"""Reads of jobs: the active job of a key (pages that start jobs show it after a
reload) and a job for the poll, scoped to who may see it.

Reads never write: a job whose worker died shows as failed, and a file past its day as
deleted (jobs.rules), on the loaded object only; the next start of the key and the
daily sweep record both (jobs.services)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404
from django.utils import timezone

from kaohe.accounts.access import is_region_admin
from kaohe.accounts.models import User
from kaohe.jobs.models import ACTIVE_STATES, Job, JobState
from kaohe.jobs.rules import file_expired, is_stale, stale_message

# What the poll and the pages show; never the upload.
SHOWN = (
    "id",
    "region_id",
    "kind",
    "key",
    "state",
    "done",
    "total",
    "updates",
    "message",
    "result_url",
    "result_name",
    "error",
    "problems",
    "actor_id",
    "created_at",
    "started_at",
    "heartbeat_at",
    "finished_at",
)


def active_job(region_id: int, key: str) -> Job | None:
    """The queued or running job for `key`, if any (one query; the partial unique
    index serves it)."""
    job = (
        Job.objects.filter(region_id=region_id, key=key, state__in=ACTIVE_STATES)
        .only(*SHOWN)
        .first()
    )
    if job is not None and is_stale(job, timezone.now()):
        return None
    return job


def active_jobs(region_id: int, kinds: Iterable[str]) -> list[Job]:
    """The region's active jobs of `kinds` (a page that starts several, like the scores
    overview)."""
    jobs = list(
        Job.objects.filter(region_id=region_id, kind__in=list(kinds), state__in=ACTIVE_STATES)
        .only(*SHOWN)
        .order_by("created_at")[:20]
    )
    now = timezone.now()
    return [j for j in jobs if not is_stale(j, now)]


def job_get(user: User, job_id: int) -> Job:
    """A job its starter or the office of its region may watch; anyone else gets 404."""
    job = Job.objects.filter(pk=job_id).only(*SHOWN).first()
    if job is None:
        raise Http404
    own = job.actor_id is not None and job.actor_id == user.pk
    office = is_region_admin(user) and user.region_id == job.region_id
    if not (own or office):
        raise Http404
    now = timezone.now()
    if is_stale(job, now):
        job.state, job.error, job.finished_at = JobState.FAILED, stale_message(), now
    if file_expired(job, now):
        job.result_url = ""
    return job


def job_file(user: User, job_id: int) -> tuple[str, bytes]:
    """The file name and workbook of a finished export job, with the job's own scope
    (its starter or the office of its region); 404 when it has none (anymore)."""
    job = job_get(user, job_id)
    if job.state != JobState.DONE or not (job.result_name and job.result_url):
        raise Http404
    data = Job.objects.filter(pk=job.pk).values_list("result_file", flat=True).first()
    if data is None:
        raise Http404
    return job.result_name, bytes(data)
