"""The office's (and unit administrators') pages for discipline and absence records;
unit heads read them. Thin: parsing here, reads in selectors, writes in services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.conduct import selectors, services
from kaohe.conduct.models import AbsenceKind, DisciplineKind
from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, show_refusal


class BadInput(ValueError):
    """A field that does not parse: its message is shown as it is."""


def _int(text: str | None) -> int | None:
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if 0 < value < 10_000_000 else None


def _date(text: str, label: str, *, required: bool = True) -> dt.date | None:
    text = text.strip()
    if not text:
        if required:
            raise BadInput(_("Fill in %(field)s.") % {"field": label})
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(
            _("%(field)s is not a date: write it as 2026-03-01.") % {"field": label}
        ) from None


def _readable(request: HttpRequest) -> AuthedRequest:
    req = AuthedRequest.of(request)
    if not selectors.can_read(req.user):
        raise Http404
    return req


def _writable(request: HttpRequest) -> AuthedRequest:
    req = AuthedRequest.of(request)
    if not selectors.can_write(req.user):
        raise Http404
    return req


@login_required
def list_page(request: HttpRequest) -> HttpResponse:
    """Records of the people in scope: discipline (default) or absences, filtered by
    kind, unit and year, 50 a page."""
    req = _readable(request)
    show = "absence" if request.GET.get("show") == "absence" else "discipline"
    kinds = AbsenceKind.choices if show == "absence" else DisciplineKind.choices
    kind = request.GET.get("kind", "")
    kind = kind if kind in dict(kinds) else ""
    unit_id = _int(request.GET.get("unit"))
    year = _int(request.GET.get("year"))
    year = year if year and 1900 < year < 3000 else None
    page = _int(request.GET.get("page")) or 1
    today = clock.today()
    lister = selectors.absence_page if show == "absence" else selectors.discipline_page
    rows, paged = lister(req.user, today=today, kind=kind, unit_id=unit_id, year=year, page=page)
    query = {"show": show, "kind": kind, "unit": unit_id or "", "year": year or ""}
    return render(
        request,
        "conduct/list.html",
        {
            "show": show,
            "rows": rows,
            "paged": paged,
            "kinds": kinds,
            "kind": kind,
            "units": selectors.units_for_filter(req.user),
            "unit_id": unit_id,
            "year": year,
            "query": "&".join(f"{k}={v}" for k, v in query.items() if v),
            "can_write": selectors.can_write(req.user),
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def discipline_new(request: HttpRequest) -> HttpResponse:
    req = _writable(request)
    form: dict[str, Any] = {"kind": "warning"}
    if request.method == "POST":
        form = {
            k: request.POST.get(k, "").strip()
            for k in ("person", "kind", "start", "end", "document", "note")
        }
        try:
            start = _date(form["start"], _("the start"))
            assert start is not None
            end = _date(form["end"], _("the end"), required=False)
            person = selectors.person_by_staff_no(req.user, form["person"])
            record = services.discipline_create(
                actor=req.user,
                person_id=person.pk if person else 0,
                kind=form["kind"],
                start=start,
                end=end,
                document=form["document"],
                note=form["note"],
            )
        except BadInput as exc:
            messages.error(request, str(exc))
        except ApplicationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(
                request,
                _("Recorded: %(kind)s for %(name)s.")
                % {"kind": record.get_kind_display(), "name": record.person.name},
            )
            return redirect(reverse("conduct:list"))
    return render(
        request,
        "conduct/discipline_form.html",
        {"form": form, "kinds": DisciplineKind.choices},
    )


@login_required
@require_POST
def discipline_end(request: HttpRequest, record_id: int) -> HttpResponse:
    req = _writable(request)
    record = selectors.discipline_get(req.user, record_id, selectors.WRITE_ROLES)
    try:
        end = _date(request.POST.get("end", ""), _("the end"))
        assert end is not None
        services.discipline_end(actor=req.user, record=record, end=end)
    except BadInput as exc:
        messages.error(request, str(exc))
    except ApplicationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("The record now ends on %(end)s.") % {"end": end.isoformat()})
    return redirect(reverse("conduct:list"))


@login_required
@require_http_methods(["GET", "POST"])
def absence_new(request: HttpRequest) -> HttpResponse:
    req = _writable(request)
    form: dict[str, Any] = {"kind": "leave"}
    if request.method == "POST":
        form = {
            k: request.POST.get(k, "").strip()
            for k in ("person", "kind", "start", "end", "days", "times", "note")
        }
        try:
            start = _date(form["start"], _("the start"))
            end = _date(form["end"], _("the end"))
            assert start is not None and end is not None
            try:
                days = Decimal(form["days"] or "0")
                times = int(form["times"] or "0")
            except (InvalidOperation, ValueError):
                raise BadInput(_("Give the days and times as numbers.")) from None
            if not days.is_finite():
                raise BadInput(_("Give the days and times as numbers."))
            person = selectors.person_by_staff_no(req.user, form["person"])
            record = services.absence_create(
                actor=req.user,
                person_id=person.pk if person else 0,
                kind=form["kind"],
                start=start,
                end=end,
                days=days,
                times=times,
                note=form["note"],
            )
        except BadInput as exc:
            messages.error(request, str(exc))
        except ApplicationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(
                request,
                _("Recorded: %(kind)s for %(name)s.")
                % {"kind": record.get_kind_display(), "name": record.person.name},
            )
            return redirect(reverse("conduct:list") + "?show=absence")
    return render(
        request, "conduct/absence_form.html", {"form": form, "kinds": AbsenceKind.choices}
    )
