"""The API's browsable docs (/api/docs) from our own static files."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger


class VendoredSwagger(Swagger):
    """Swagger UI from our own static files (static/vendor/swagger-ui), started by an
    external script: django-ninja's page loads it from a CDN, unpinned, with an inline
    script, which the intranet cannot reach and our Content-Security-Policy forbids."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": settings, "add_csrf": True}
        return render(request, "api/docs.html", context)
