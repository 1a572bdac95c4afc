"""The official forms as PDF downloads: a unit's in one file, or one person's.

Scoped as the selectors say (`selectors.FORM_ROLES`; a cadre their own): 404 outside."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from kaohe.core.http import AuthedRequest
from kaohe.core.pdf import pdf_response
from kaohe.core.workbooks import export_name
from kaohe.outcomes import forms, selectors

ANNUAL = "公务员年度考核登记表"
QUARTER = "公务员平时考核登记表"


def _name(*parts: object) -> str:
    return export_name(*parts).removesuffix(".xlsx") + ".pdf"


@login_required
@require_GET
def unit_annual(request: HttpRequest, unit_id: int, year: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    period = selectors.form_period(year)
    unit = selectors.form_unit(req.user, unit_id)
    data = selectors.annual_forms(selectors.form_unit_memberships(unit, period), year)
    title = f"{ANNUAL}（{year}年度）{unit.name}"
    return pdf_response(_name(unit.name, year, ANNUAL), forms.annual_pdf(data, title))


@login_required
@require_GET
def unit_quarter(request: HttpRequest, unit_id: int, year: int, quarter: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    period = selectors.form_period(year, quarter)
    unit = selectors.form_unit(req.user, unit_id)
    members = selectors.form_unit_memberships(unit, period)
    data = selectors.quarter_forms(members, year, quarter, unpublished=True)
    title = f"{QUARTER}（{year}年第{quarter}季度）{unit.name}"
    return pdf_response(
        _name(unit.name, f"{year}Q{quarter}", QUARTER), forms.quarter_pdf(data, title)
    )


@login_required
@require_GET
def person_annual(request: HttpRequest, person_id: int, year: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    period = selectors.form_period(year)
    membership, _leader = selectors.form_person_membership(req.user, person_id, period)
    data = selectors.annual_forms([membership], year)
    name = membership.person.name
    title = f"{ANNUAL}（{year}年度）{name}"
    return pdf_response(_name(name, year, ANNUAL), forms.annual_pdf(data, title))


@login_required
@require_GET
def person_quarter(request: HttpRequest, person_id: int, year: int, quarter: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    period = selectors.form_period(year, quarter)
    membership, leader = selectors.form_person_membership(req.user, person_id, period)
    data = selectors.quarter_forms([membership], year, quarter, unpublished=leader)
    name = membership.person.name
    title = f"{QUARTER}（{year}年第{quarter}季度）{name}"
    return pdf_response(_name(name, f"{year}Q{quarter}", QUARTER), forms.quarter_pdf(data, title))
