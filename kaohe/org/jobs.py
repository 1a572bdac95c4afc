"""Importing a large roster as a background job (kaohe.jobs). Like org's views, this
adaptor sits above org's models and services: org's services never import jobs."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.core.errors import ApplicationError
from kaohe.jobs.models import Job
from kaohe.jobs.progress import Progress
from kaohe.jobs.registry import register
from kaohe.jobs.services import job_actor
from kaohe.org import roster
from kaohe.org.errors import OrgErrorCode

IMPORT = "org.roster.import"
# One import at a time per region: two files may name the same people.
KEY = "roster"


def imported_message(result: roster.RosterImportResult) -> str:
    """What an import did, said the same way by the page and by the job."""
    message = _(
        "Imported %(rows)s rows: %(created)s new people, %(changed)s position "
        "changes, %(unchanged)s unchanged."
    ) % {
        "rows": result.rows,
        "created": result.people_created,
        "changed": result.positions_changed,
        "unchanged": result.unchanged,
    }
    if result.frozen and result.staff_nos:
        message += " " + _(
            "They do not take part in %(rounds)s, whose voting is open: its raters and the "
            "people rated are those in post on its last day."
        ) % {"rounds": "、".join(p.label for p in result.frozen)}
    return message


@register(IMPORT, gettext_lazy("Roster import"))
def import_job(job: Job, progress: Progress) -> str:
    actor = job_actor(job)
    if actor is None or job.payload is None:
        raise ApplicationError(_("Choose an .xlsx file to upload."), code=OrgErrorCode.NO_FILE)
    content = bytes(job.payload)
    progress(0, 100, _("Reading the file"))
    result = roster.roster_import(
        actor=actor,
        upload=io.BytesIO(content),
        size=len(content),
        file_name=job.params.get("file_name", ""),
        progress=progress,
    )
    progress(100, 100, imported_message(result))
    return ""
