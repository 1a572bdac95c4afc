"""The JSON API (django-ninja) over the same selectors and services as the pages;
session login. One router per domain (kaohe/api/<domain>.py), mounted here.

OpenAPI schema at /api/openapi.json, browsable docs at /api/docs. A refusal
(ApplicationError) answers 400 with {code, message, problems} (kaohe.api.errors).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from kaohe.api import org, reviews, scoring, worklogs
from kaohe.api.docs import VendoredSwagger
from kaohe.api.errors import REFUSED, error_out
from kaohe.core.errors import ApplicationError

# django_auth uses the session and, for unsafe methods, Django's CSRF check.
api = NinjaAPI(
    title="kaohe API",
    version="1",
    auth=django_auth,
    urls_namespace="api",
    # validatorUrl None: Swagger UI would otherwise send the schema to validator.swagger.io.
    docs=VendoredSwagger(settings={"validatorUrl": None, "deepLinking": True}),
)
# Mounted at the root: the paths are the ones published before the routers existed.
api.add_router("", scoring.router)
api.add_router("/logs", worklogs.router)
api.add_router("/units", org.router)
api.add_router("/ballots", reviews.router)


@api.exception_handler(ApplicationError)
def refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, error_out(exc), status=REFUSED)
