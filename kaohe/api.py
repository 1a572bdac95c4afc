"""The JSON API (django-ninja) over the same selectors as the pages; session login.

OpenAPI schema at /api/openapi.json, browsable docs at /api/docs.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI, Schema
from ninja.openapi.docs import Swagger
from ninja.security import django_auth

from kaohe.core.http import AuthedRequest
from kaohe.scoring import selectors
from kaohe.scoring.explain import consequence_label, explain, grade_label
from kaohe.scoring.models import AnnualResult, QuarterResult


class VendoredSwagger(Swagger):
    """Swagger UI from our own static files (static/vendor/swagger-ui), started by an
    external script: django-ninja's page loads it from a CDN, unpinned, with an inline
    script, which the intranet cannot reach and our Content-Security-Policy forbids."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": settings, "add_csrf": True}
        return render(request, "api/docs.html", context)


# django_auth uses the session and, for unsafe methods, Django's CSRF check.
api = NinjaAPI(
    title="kaohe API",
    version="1",
    auth=django_auth,
    urls_namespace="api",
    # validatorUrl None: Swagger UI would otherwise send the schema to validator.swagger.io.
    docs=VendoredSwagger(settings={"validatorUrl": None, "deepLinking": True}),
)


class ResultOut(Schema):
    kind: str
    id: int
    period: str
    unit: str
    score: Decimal
    grade: str
    grade_label: str
    explanation: str
    steps: list[str]
    consequences: list[str]
    receipt_confirmed: bool


@api.get(
    "/my/results", response=list[ResultOut], summary="My published results with their explanations"
)
def my_results(request: HttpRequest) -> list[ResultOut]:
    req = AuthedRequest.of(request)
    quarters, years = selectors.my_results(req.user)
    out = []
    rows: list[tuple[str, QuarterResult | AnnualResult]] = [("quarter", r) for r in quarters]
    rows += [("year", r) for r in years]
    for kind, r in rows:
        headline, lines = explain(r.steps)
        out.append(
            ResultOut(
                kind=kind,
                id=r.pk,
                period=str(r.run),
                unit=r.unit.name,
                score=r.score if isinstance(r, QuarterResult) else r.composite,
                grade=r.grade,
                grade_label=grade_label(r.grade),
                explanation=headline,
                steps=lines,
                consequences=[consequence_label(c) for c in getattr(r, "consequences", [])],
                receipt_confirmed=r.receipt_at is not None,
            )
        )
    return out
