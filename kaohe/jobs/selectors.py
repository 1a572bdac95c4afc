"""Reads of jobs: the active job of a key (pages that start jobs show it after a
reload) and a job for the poll, scoped to who may see it."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404

from kaohe.accounts.access import is_region_admin
from kaohe.accounts.models import User
from kaohe.jobs.models import ACTIVE_STATES, Job, JobState
from kaohe.jobs.services import job_fail_stale, job_file_expire

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
    if job is not None and job_fail_stale(job):
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
    return [j for j in jobs if not job_fail_stale(j)]


def job_get(user: User, job_id: int) -> Job:
    """A job its starter or the office of its region may watch; anyone else gets 404."""
    job = Job.objects.filter(pk=job_id).only(*SHOWN).first()
    if job is None:
        raise Http404
    own = job.actor_id is not None and job.actor_id == user.pk
    office = is_region_admin(user) and user.region_id == job.region_id
    if not (own or office):
        raise Http404
    job_fail_stale(job)
    job_file_expire(job)
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
