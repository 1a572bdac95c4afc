"""Starting jobs and running them (the one django-tasks task, `run_job`)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kaohe.accounts.models import User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.jobs import registry
from kaohe.jobs.errors import JobErrorCode
from kaohe.jobs.models import ACTIVE_STATES, Job, JobState
from kaohe.jobs.progress import Progress
from kaohe.jobs.rules import file_cutoff, is_stale, stale_message
from kaohe.org.models import Region

logger = logging.getLogger(__name__)


def failure_message() -> str:
    return _("The job failed; the error has been logged. Please contact the administrator.")


def job_fail_stale(job: Job, *, now: dt.datetime | None = None) -> bool:
    """Record `job` failed when it runs but has shown no sign of life for
    KAOHE_JOB_STALE_MINUTES (rules.is_stale: its worker was killed). Done by the next
    start of its key and by the daily sweep; the pages show such a job failed without
    writing (jobs.selectors). Returns whether it did."""
    now = now or timezone.now()
    if not is_stale(job, now):
        return False
    changed = Job.objects.filter(pk=job.pk, state=JobState.RUNNING, heartbeat_at=job.heartbeat_at)
    if not changed.update(state=JobState.FAILED, error=stale_message(), finished_at=now):
        return False
    job.state, job.error, job.finished_at = JobState.FAILED, stale_message(), now
    logger.warning("job %s (%s %s) declared stale", job.pk, job.kind, job.key)
    return True


def job_start(
    *,
    actor: User | None,
    region: Region,
    kind: str,
    key: str,
    params: dict[str, Any] | None = None,
    payload: bytes | None = None,
    message: str = "",
) -> Job:
    """Start a job of `kind` on `key` (e.g. "quarter:2026-3"), or return the active one
    for that key: a second click shows the running job instead of starting another.

    The task is enqueued inside the transaction that creates the Job: with the database
    backend its row commits with the job (a worker never sees one without the other);
    with the immediate backend (tests) the job runs right here."""
    if registry.function_for(kind) is None:
        raise ValueError(f"no job kind {kind!r} is registered")
    for _attempt in range(2):
        existing = active_job_for_update(region, key)
        if existing is not None and not job_fail_stale(existing):
            return existing
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    region=region,
                    kind=kind,
                    key=key,
                    params={**(params or {}), **({"system": True} if actor is None else {})},
                    payload=payload,
                    actor=actor if actor is not None and actor.pk else None,
                    message=message or _("Waiting for the background worker…"),
                )
                audit_record(
                    actor=actor,
                    action=AuditAction.JOBS_START,
                    obj=job,
                    region=region,
                    details={"kind": kind, "key": key},
                )
                run_job.enqueue(job.pk)
        except IntegrityError:
            # Another request started the same key between our look and our insert
            # (jobs_one_active_per_key): show that one.
            continue
        job.refresh_from_db(fields=["state", "done", "total", "message", "error", "result_url"])
        return job
    raise ApplicationError(
        _("A job for this is already starting; reload the page."),
        code=JobErrorCode.ALREADY_STARTING,
    )


def active_job_for_update(region: Region, key: str) -> Job | None:
    return (
        Job.objects.filter(region=region, key=key, state__in=ACTIVE_STATES).defer("payload").first()
    )


def job_actor(job: Job) -> User | None:
    """Who the job acts as: its starter, whose rights the service checks again when it
    runs. A job started by the system (actor None: commands, benchmarks) says so in
    its params; one whose starter was deleted since is refused, never run as the system."""
    if job.actor is None and not job.params.get("system"):
        raise ApplicationError(
            _("The person who started this job no longer exists."), code=JobErrorCode.ACTOR_GONE
        )
    return job.actor


def _finish(job_id: int, **fields: Any) -> None:
    fields["finished_at"] = timezone.now()
    fields["payload"] = None
    if not Job.objects.filter(pk=job_id, state=JobState.RUNNING).update(**fields):
        logger.warning("job %s ended after it was declared stale: %s", job_id, fields.get("state"))


@task()
def run_job(job_id: int) -> None:
    """The one task: run the registered function of the job's kind, recording its
    start, its progress and how it ended. The worker (`manage.py db_worker`) and the
    immediate backend of the tests both call this."""
    now = timezone.now()
    if not Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=now, heartbeat_at=now, message=""
    ):
        return  # already run, or given up
    job = Job.objects.select_related("region", "actor").get(pk=job_id)
    function = registry.function_for(job.kind)
    progress = Progress(job)
    try:
        if function is None:
            raise LookupError(f"no job kind {job.kind!r} is registered")
        # Messages are stored for whoever looks later: in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            result_url = function(job, progress)
    except ApplicationError as exc:
        # A refusal that is its one message is said once, as the error.
        problems = [] if exc.problems == [exc.message] else exc.problems[:200]
        _finish(job_id, state=JobState.FAILED, error=exc.message, problems=problems)
    except Exception:
        logger.exception("job %s (%s %s) failed", job_id, job.kind, job.key)
        with translation.override(settings.LANGUAGE_CODE):
            _finish(job_id, state=JobState.FAILED, error=failure_message())
    else:
        _finish(
            job_id,
            state=JobState.DONE,
            result_url=result_url,
            done=F("total"),
        )
    finally:
        progress.close()


def job_store_file(job: Job, *, name: str, data: bytes) -> None:
    """Keep the workbook an export job wrote, and let go of the files it replaces: the
    older exports of the same key, and any of the region's files older than a day.
    Part of the job's run (its start was audited), like its progress and its end."""
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(result_file=data, result_name=name[:200])
        with_file = Job.objects.filter(region_id=job.region_id, result_file__isnull=False)
        with_file.filter(key=job.key).exclude(pk=job.pk).update(result_file=None, result_url="")
        with_file.filter(finished_at__lt=file_cutoff(timezone.now())).exclude(pk=job.pk).update(
            result_file=None, result_url=""
        )


def jobs_sweep(now: dt.datetime | None = None) -> tuple[int, int]:
    """The daily sweep (notices.daily): record the stale running jobs failed and delete
    the files kept past their day, in bulk. The pages already show both as they are
    (jobs.selectors); this makes the rows say so and lets the files go. Returns (jobs
    failed, files deleted)."""
    now = now or timezone.now()
    running = Job.objects.filter(state=JobState.RUNNING).defer("payload", "result_file")
    failed = sum(job_fail_stale(job, now=now) for job in running if is_stale(job, now))
    deleted = Job.objects.filter(
        result_file__isnull=False, finished_at__lt=file_cutoff(now)
    ).update(result_file=None, result_url="")
    return failed, deleted
