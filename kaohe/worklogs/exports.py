"""The Excel download of work-log compliance, from the compliance page.

Same scope and same figures as the page (selectors.compliance_for, whose few
queries do not grow with the number of people); the download lists every person,
where the page lists people only once a unit is chosen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET

from kaohe.accounts.access import region_id_of
from kaohe.accounts.models import User
from kaohe.core import clock
from kaohe.core.http import AuthedRequest, parse_day, parse_id
from kaohe.core.workbooks import SheetSpec, export_name
from kaohe.jobs.exports import Export, deliver, export_key, register_export
from kaohe.org.models import Membership
from kaohe.worklogs import selectors
from kaohe.worklogs.compliance import ComplianceReport, Tally
from kaohe.worklogs.rules import Period


def _percent(tally: Tally) -> float | None:
    return None if tally.rate is None else round(tally.rate * 100, 1)


def _figures(tally: Tally) -> tuple[Any, ...]:
    return (
        tally.on_time,
        tally.backfilled,
        tally.missing,
        tally.pending,
        _percent(tally),
    )


def unit_rows(report: ComplianceReport) -> Iterator[Sequence[Any]]:
    for row in report.units:
        yield (row.name, len(row.people), *_figures(row.tally))
    yield (_("Total"), sum(len(r.people) for r in report.units), *_figures(report.total))


def person_rows(report: ComplianceReport) -> Iterator[Sequence[Any]]:
    for row in report.people:
        yield (row.name, row.unit_name, *_figures(row.tally))


FIGURES = (
    gettext_noop("On time"),
    gettext_noop("Backfilled"),
    gettext_noop("Missing"),
    gettext_noop("Can still be written"),
    gettext_noop("Rate (%)"),
)


def _compliance_export(user: User, params: Mapping[str, Any]) -> Export:
    """The compliance of the units `user` oversees (404 for no one to oversee), over the
    days the request settled; the report is computed only when the workbook is written."""
    if not selectors.oversight_units(user).exists():
        raise Http404
    start, end = dt.date.fromisoformat(params["start"]), dt.date.fromisoformat(params["end"])
    today = dt.date.fromisoformat(params["today"])
    root_id = params.get("unit")
    units = selectors.compliance_units(user, root_id)
    # The people of the units at any time: an upper bound of the rows, in one count.
    rows = Membership.objects.filter(unit__in=units).in_scope().count() + units.count()

    def sheets() -> list[SheetSpec]:
        report = selectors.compliance_for(user, root_id=root_id, start=start, end=end, today=today)
        figures = [_(f) for f in FIGURES]
        return [
            SheetSpec(
                title=_("By unit"),
                header=[_("Unit"), _("People"), *figures],
                rows=unit_rows(report),
                widths=(24, 8, 8, 8, 8, 10, 10),
            ),
            SheetSpec(
                title=_("By person"),
                header=[_("Name"), _("Unit"), *figures],
                rows=person_rows(report),
                widths=(10, 24, 8, 8, 8, 10, 10),
            ),
        ]

    return Export(
        filename=export_name(_("Work-log compliance"), f"{start}", f"{end}"),
        region_id=region_id_of(user),
        rows=rows,
        sheets=sheets,
    )


COMPLIANCE_EXPORT = "worklogs.export.compliance"
register_export(COMPLIANCE_EXPORT, gettext_lazy("Exporting work-log compliance"))(
    _compliance_export
)


@login_required
@require_GET
def compliance_export(request: HttpRequest) -> HttpResponseBase:
    req = AuthedRequest.of(request)
    today = clock.today()
    # The page's defaults and fallbacks: bad dates fall back as the page shows them.
    start, _ok = parse_day(request.GET.get("start"), Period.quarter_of(today).start)
    end, _ok = parse_day(request.GET.get("end"), today)
    end = max(end, start)
    root_id = parse_id(request.GET.get("unit"))
    params = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "today": today.isoformat(),
        "unit": root_id,
    }
    return deliver(
        actor=req.user,
        kind=COMPLIANCE_EXPORT,
        # Per person and choice: each overseer sees their own units.
        key=export_key("compliance", req.user.pk, root_id or "", start, end),
        params=params,
        export=_compliance_export(req.user, params),
    )
