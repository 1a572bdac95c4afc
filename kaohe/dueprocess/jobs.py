"""An upheld objection as a background job (kaohe.jobs): the finding recomputes the
year, which the pages always do in the background (scoring.jobs); the same key as the
year's compute, so the two never run at once."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.accounts.errors import AccountErrorCode
from kaohe.core.errors import ApplicationError
from kaohe.dueprocess import services
from kaohe.dueprocess.models import Objection
from kaohe.jobs.models import Job
from kaohe.jobs.progress import Progress
from kaohe.jobs.registry import register
from kaohe.jobs.services import job_actor

UPHOLD = "dueprocess.objection.uphold"


@register(UPHOLD, gettext_lazy("Upholding the objection and computing the year again"))
def uphold_job(job: Job, progress: Progress) -> str:
    p = job.params
    actor = job_actor(job)
    if actor is None:  # a finding is written by a person, never by the system
        raise ApplicationError(
            _("Only the region's assessment office may do this."),
            code=AccountErrorCode.NOT_REGION_OFFICE,
        )
    objection = Objection.objects.get(pk=p["objection_id"], publicity__region=job.region)
    services.objection_resolve(
        actor=actor,
        objection=objection,
        finding=Objection.Finding.UPHELD,
        text=p["text"],
        today=dt.date.fromisoformat(p["today"]),
        progress=progress,
    )
    progress(100, 100, _("Computed."))
    return reverse("dueprocess:objection", args=[objection.pk])
