"""kaohe's URLs plus /bench/ping/: the cheapest page a logged-in user can get, to
compare real pages with (bench/worklogs.py), and /bench/base/: base.html with an empty
content block, the floor every rendered page stands on (bench/pages.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from kaohe.urls import urlpatterns as kaohe_urlpatterns


@login_required
def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


# Parsed once, as a file template would be by the cached loader.
_BASE = engines["django"].from_string('{% extends "base.html" %}{% block content %}{% endblock %}')


@login_required
def base(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_BASE.render({}, request))


urlpatterns = [
    *kaohe_urlpatterns,
    path("bench/ping/", ping, name="bench_ping"),
    path("bench/base/", base, name="bench_base"),
]
