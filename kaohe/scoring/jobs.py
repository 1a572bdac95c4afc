"""Computing quarters and years as background jobs (kaohe.jobs): registered when the
app is ready; the pages start them with `job_start`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.accounts.errors import AccountErrorCode
from kaohe.accounts.models import User
from kaohe.core.errors import ApplicationError
from kaohe.jobs.models import Job
from kaohe.jobs.progress import Progress
from kaohe.jobs.registry import register
from kaohe.jobs.services import job_actor
from kaohe.scoring import services
from kaohe.scoring.models import AnnualRun, QuarterRun

QUARTER = "scoring.quarter"
QUARTER_REOPEN = "scoring.quarter.reopen"
YEAR = "scoring.year"
YEAR_REOPEN = "scoring.year.reopen"
QUARTER_PUBLISH = "scoring.quarter.publish"
YEAR_PUBLISH = "scoring.year.publish"
KINDS = (QUARTER, QUARTER_REOPEN, YEAR, YEAR_REOPEN, QUARTER_PUBLISH, YEAR_PUBLISH)


def quarter_key(year: int, quarter: int) -> str:
    """One job at a time per quarter, whether computed, recomputed, reopened or
    published."""
    return f"quarter:{year}-{quarter}"


def year_key(year: int) -> str:
    return f"year:{year}"


def _person(job: Job) -> User:
    """Reopening is done by a person, never by the system."""
    actor = job_actor(job)
    if actor is None:
        raise ApplicationError(
            _("Only the region's assessment office may do this."),
            code=AccountErrorCode.NOT_REGION_OFFICE,
        )
    return actor


@register(QUARTER, gettext_lazy("Computing the quarter"))
def quarter_job(job: Job, progress: Progress) -> str:
    p = job.params
    run = services.quarter_compute(
        actor=job_actor(job),
        region=job.region,
        year=int(p["year"]),
        quarter=int(p["quarter"]),
        today=dt.date.fromisoformat(p["today"]),
        progress=progress,
    )
    progress(100, 100, _("Computed."))
    return reverse("scoring:quarter", args=[run.pk])


@register(QUARTER_REOPEN, gettext_lazy("Reopening and recomputing the quarter"))
def quarter_reopen_job(job: Job, progress: Progress) -> str:
    p = job.params
    actor = _person(job)
    run = services.quarter_reopen(
        actor=actor,
        run=QuarterRun.objects.get(pk=p["run_id"], region=job.region),
        reason=p["reason"],
        today=dt.date.fromisoformat(p["today"]),
        progress=progress,
    )
    progress(100, 100, _("Computed."))
    return reverse("scoring:quarter", args=[run.pk])


@register(YEAR, gettext_lazy("Computing the year"))
def year_job(job: Job, progress: Progress) -> str:
    p = job.params
    run = services.annual_compute(
        actor=job_actor(job),
        region=job.region,
        year=int(p["year"]),
        excellent_share=Decimal(p["share"]) if p.get("share") is not None else None,
        approval=p.get("approval", ""),
        progress=progress,
    )
    progress(100, 100, _("Computed."))
    return reverse("scoring:annual", args=[run.pk])


@register(YEAR_REOPEN, gettext_lazy("Reopening and recomputing the year"))
def year_reopen_job(job: Job, progress: Progress) -> str:
    p = job.params
    actor = _person(job)
    run = services.annual_reopen(
        actor=actor,
        run=AnnualRun.objects.get(pk=p["run_id"], region=job.region),
        reason=p["reason"],
        progress=progress,
    )
    progress(100, 100, _("Computed."))
    return reverse("scoring:annual", args=[run.pk])


def _published(progress: Progress) -> None:
    progress(100, 100, _("Published; everyone concerned has been notified."))


# Publishing runs here, not in the request: the outcomes receivers archive the year and
# derive its lists and consequences in the publishing transaction, minutes for a
# province. The token is the one the confirmation page showed, checked again here.
@register(QUARTER_PUBLISH, gettext_lazy("Publishing the quarter"))
def quarter_publish_job(job: Job, progress: Progress) -> str:
    p = job.params
    run = QuarterRun.objects.get(pk=p["run_id"], region=job.region)
    progress(0, 100, _("Publishing the results…"))
    services.quarter_publish(
        actor=_person(job), run=run, confirmation=p["token"], progress=progress
    )
    _published(progress)
    return reverse("scoring:quarter", args=[run.pk])


@register(YEAR_PUBLISH, gettext_lazy("Publishing the year"))
def year_publish_job(job: Job, progress: Progress) -> str:
    p = job.params
    run = AnnualRun.objects.get(pk=p["run_id"], region=job.region)
    progress(0, 100, _("Publishing the results…"))
    services.annual_publish(actor=_person(job), run=run, confirmation=p["token"], progress=progress)
    _published(progress)
    return reverse("scoring:annual", args=[run.pk])
