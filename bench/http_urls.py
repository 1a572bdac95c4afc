"""kaohe's URLs plus /bench/ping/: the cheapest page a logged-in user can get, to
compare real pages with (bench/worklogs.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from kaohe.urls import urlpatterns as kaohe_urlpatterns


@login_required
def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    *kaohe_urlpatterns,
    path("bench/ping/", ping, name="bench_ping"),
]
