"""Excel exports too large for a request, written by the background worker.

An export is described once, by a builder `(user, params) -> Export` that checks the
user's scope (Http404 outside) and returns the sheets' rows still unread. Its view
calls the builder and `deliver`: up to KAOHE_EXPORT_JOB_ROWS rows the workbook is
streamed in the request as before; above, a job of the export's kind runs the same
builder as the job's starter (their scope checked again when it runs), writes the same
workbook into `Job.result_file`, and the job page's 下载文件 link serves it
(`views.job_file`). Decision "Large exports as jobs" (docs/decisions.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import Http404, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kaohe.accounts.models import User
from kaohe.core.errors import ApplicationError
from kaohe.core.workbooks import SheetSpec, write_workbook, xlsx_download
from kaohe.jobs.errors import JobErrorCode
from kaohe.jobs.models import Job
from kaohe.jobs.progress import Progress, tracked
from kaohe.jobs.registry import register
from kaohe.jobs.services import job_actor, job_start, job_store_file
from kaohe.org.models import Region


@dataclass(frozen=True)
class Export:
    """What an export holds: its file name, how many rows (counted before any is read:
    it decides between the request and a job), and its sheets, built only when written
    (a job is started without reading a row in the request)."""

    filename: str
    region_id: int  # the region whose job it becomes
    rows: int
    sheets: Callable[[], list[SheetSpec]]


Builder = Callable[[User, Mapping[str, Any]], Export]


def threshold() -> int:
    return int(getattr(settings, "KAOHE_EXPORT_JOB_ROWS", 20000))


def export_key(name: str, *parts: object) -> str:
    """The job key of an export and its object ("export:annual:12"): one running job
    per key, and a newer file of the key replaces the older one."""
    return ":".join(["export", name, *(str(p) for p in parts)])[:80]


def _counted(rows: Iterable[Sequence[Any]], seen: Callable[[int], None]) -> Iterator[Sequence[Any]]:
    for n, row in enumerate(rows, start=1):
        seen(n)
        yield row


def register_export(kind: str, label: str | Promise) -> Callable[[Builder], Builder]:
    """Register `builder` as the work of the job kind `kind`: run as the starter, it
    writes the workbook into the job and returns the file's URL."""

    def decorate(builder: Builder) -> Builder:
        @register(kind, label)
        def run(job: Job, progress: Progress) -> str:
            actor = job_actor(job)
            if actor is None:
                raise ApplicationError(
                    _("Only a person may export; start the export again."),
                    code=JobErrorCode.EXPORT_NEEDS_PERSON,
                )
            try:
                export = builder(actor, job.params)
                seen = tracked(progress, export.rows, 0, 95)
                sheets = [
                    s if seen is None else dataclasses.replace(s, rows=_counted(s.rows, seen))
                    for s in export.sheets()
                ]
                progress(0, 100, _("Writing the workbook…"))
                with write_workbook(sheets) as spool:
                    data = spool.read()
            except Http404 as exc:
                # The starter's rights changed since the click: nothing is written.
                raise ApplicationError(
                    _("You may no longer see what this export holds; nothing was written."),
                    code=JobErrorCode.EXPORT_NO_LONGER_VISIBLE,
                ) from exc
            job_store_file(job, name=export.filename, data=data)
            progress(100, 100, _("The file is ready."))
            return reverse("jobs:file", args=[job.pk])

        return builder

    return decorate


def deliver(
    *,
    actor: User,
    kind: str,
    key: str,
    params: Mapping[str, Any],
    export: Export,
) -> HttpResponseBase:
    """The export streamed now when small, else its job started (or the running one of
    `key` found) and the user sent to its page."""
    if export.rows <= threshold():
        return xlsx_download(export.filename, export.sheets())
    job = job_start(
        actor=actor,
        region=Region.objects.get(pk=export.region_id),
        kind=kind,
        key=key,
        params=dict(params),
        message=_("Waiting for the background worker to write the file…"),
    )
    return redirect("jobs:job", job.pk)
