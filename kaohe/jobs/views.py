from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kaohe.core.http import AuthedRequest
from kaohe.core.workbooks import xlsx_response
from kaohe.jobs import registry, selectors


@login_required
@never_cache
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    """A job's progress: the fragment for htmx polling (it polls itself every second
    while the job is active and stops when it ends), the full page otherwise."""
    req = AuthedRequest.of(request)
    job = selectors.job_get(req.user, job_id)
    context = {"job": job, "label": registry.label_for(job.kind)}
    if request.headers.get("HX-Request"):
        return render(request, "jobs/_progress.html", context)
    return render(request, "jobs/job.html", context)


@login_required
@require_GET
def job_file(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """The workbook a large export's job wrote: for whoever may watch the job, until
    a newer export of the same key replaces it or a day has passed."""
    req = AuthedRequest.of(request)
    name, data = selectors.job_file(req.user, job_id)
    return xlsx_response(name, io.BytesIO(data))
