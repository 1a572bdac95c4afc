"""Importing a large file of earlier years as a background job (kaohe.jobs), as the
roster's import does (kaohe.org.jobs)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.core.errors import ApplicationError
from kaohe.jobs.models import Job
from kaohe.jobs.progress import Progress
from kaohe.jobs.registry import register
from kaohe.jobs.services import job_actor
from kaohe.outcomes import priors, services
from kaohe.outcomes.errors import OutcomesErrorCode

IMPORT = "outcomes.priors.import"
# One import at a time per region: two files may name the same person-years.
KEY = "priors"


def imported_message(result: priors.PriorsImportResult) -> str:
    """What an import did, said the same way by the page and by the job."""
    years = result.years
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
    return _(
        "Imported %(rows)s person-years (%(people)s people × %(years)s years, %(span)s): "
        "%(created)s new, %(replaced)s replaced with %(corrections)s corrections, "
        "%(unchanged)s unchanged."
    ) % {
        "rows": result.rows,
        "people": result.people,
        "years": len(years),
        "span": span,
        "created": result.created,
        "replaced": result.replaced,
        "corrections": result.corrections,
        "unchanged": result.unchanged,
    }


@register(IMPORT, gettext_lazy("Import of earlier years"))
def import_job(job: Job, progress: Progress) -> str:
    actor = job_actor(job)
    if actor is None or job.payload is None:
        raise ApplicationError(
            _("Choose an .xlsx file to upload."), code=OutcomesErrorCode.PRIORS_NO_FILE
        )
    content = bytes(job.payload)
    progress(0, 100, _("Reading the file"))
    result = services.year_records_import(
        actor=actor,
        upload=io.BytesIO(content),
        size=len(content),
        file_name=job.params.get("file_name", ""),
        replace=bool(job.params.get("replace")),
        progress=progress,
    )
    progress(100, 100, imported_message(result))
    return ""
