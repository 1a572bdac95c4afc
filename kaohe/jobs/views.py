from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from kaohe.core.http import AuthedRequest
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
