"""The import of earlier years (issue 16, item 6): the region's assessment office only;
anyone else gets a 404, as for a page outside their scope."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kaohe.accounts.access import is_region_admin
from kaohe.core.errors import ApplicationError, ValidationFailed
from kaohe.core.http import AuthedRequest, Refusal
from kaohe.core.workbooks import XLSX_CONTENT_TYPE
from kaohe.jobs.registry import label_for
from kaohe.jobs.selectors import active_job
from kaohe.jobs.services import job_start
from kaohe.org.models import Region
from kaohe.outcomes import jobs_priors, priors, selectors, services
from kaohe.outcomes.errors import OutcomesErrorCode
from kaohe.scoring.engine import AnnualGrade


def _office(request: HttpRequest) -> AuthedRequest:
    req = AuthedRequest.of(request)
    if not is_region_admin(req.user) or req.user.region_id is None:
        raise Http404
    return req


@login_required
@require_GET
def priors_template(request: HttpRequest) -> HttpResponse:
    _office(request)
    response = HttpResponse(priors.priors_template(), content_type=XLSX_CONTENT_TYPE)
    name = quote("往年考核结果导入模板.xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


# The grades the summary counts, in the file's order (the labels are the file's).
_SUMMARY_GRADES = (
    AnnualGrade.EXCELLENT,
    AnnualGrade.COMPETENT,
    AnnualGrade.BASIC,
    AnnualGrade.INCOMPETENT,
    AnnualGrade.NONE,
)


def _summary(result: priors.PriorsImportResult) -> list[tuple[int, int, list[int]]]:
    """Per year: the rows and each grade's count, as the result table prints them."""
    return [
        (year, sum(counts.values()), [counts.get(g, 0) for g in _SUMMARY_GRADES])
        for year, counts in result.by_year.items()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def priors_import_page(request: HttpRequest) -> HttpResponse:
    req = _office(request)
    region_id = req.user.region_id
    assert region_id is not None  # _office
    context: dict[str, object] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        replace = request.POST.get("replace") == "on"
        if upload is None:
            context["refusal"] = Refusal.of(
                ApplicationError(
                    _("Choose an .xlsx file to upload."), code=OutcomesErrorCode.PRIORS_NO_FILE
                )
            )
        elif (
            settings.KAOHE_ROSTER_JOB_BYTES < (upload.size or 0) <= settings.KAOHE_ROSTER_MAX_BYTES
        ):
            # A large file is imported by the background worker; the job page shows its
            # progress and, at the end, the counts or every problem found.
            job = job_start(
                actor=req.user,
                region=Region.objects.get(pk=region_id),
                kind=jobs_priors.IMPORT,
                key=jobs_priors.KEY,
                params={"file_name": (upload.name or "")[:200], "replace": replace},
                payload=upload.read(),
            )
            if job.actor_id == req.user.pk:
                return redirect("jobs:job", job_id=job.pk)
            context["refusal"] = Refusal.of(
                ApplicationError(
                    _(
                        "Another import of earlier years is running; upload the file again "
                        "when it has finished."
                    ),
                    code=OutcomesErrorCode.PRIORS_IMPORT_RUNNING,
                )
            )
        else:
            try:
                result = services.year_records_import(
                    actor=req.user,
                    upload=upload,
                    size=upload.size or 0,
                    file_name=upload.name or "",
                    replace=replace,
                )
            except ValidationFailed as exc:
                context["refusal"] = Refusal.of(exc)
            else:
                context["result"] = result
                context["summary"] = _summary(result)
                messages.success(request, jobs_priors.imported_message(result))
    context["job"] = active_job(region_id, jobs_priors.KEY)
    context["job_label"] = label_for(jobs_priors.IMPORT)
    context["years"] = selectors.imported_years(req.user)
    context["grade_labels"] = list(priors.GRADE_NAMES)
    return render(request, "outcomes/priors_import.html", context)
