"""The teams' year as Excel, scoped exactly like the year page that offers it."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kaohe.core import clock
from kaohe.core.http import AuthedRequest
from kaohe.core.workbooks import EXPORT_CHUNK, SheetSpec, export_name, xlsx_download
from kaohe.teams import selectors
from kaohe.teams.models import Component, TeamGrade


def _cell(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


@login_required
@require_GET
def export(request: HttpRequest) -> FileResponse:
    """The year's teams as the page shows them to this user (its scope, 404 outside)."""
    req = AuthedRequest.of(request)
    if not selectors.can_read(req.user):
        raise Http404
    year = selectors.parse_year(request.GET.get("year"), clock.today().year)
    columns = [value for value, _label in Component.choices]
    results = (
        selectors.year_results(req.user, year)
        .values_list("unit__name", "members", *columns, "composite", "rank", "grade", "missing")
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    header = [
        _("Unit"),
        _("Leadership team"),
        *[str(label) for _v, label in Component.choices],
        _("Annual score"),
        _("Rank"),
        _("Grade"),
        _("Missing components"),
    ]
    components, grades = dict(Component.choices), dict(TeamGrade.choices)
    width = len(columns)
    rows = (
        [
            r[0],
            "、".join(m["name"] for m in r[1]),
            *[_cell(v) for v in r[2 : 2 + width]],
            _cell(r[2 + width]),
            r[3 + width] or "",
            str(grades.get(r[4 + width], "")),
            "、".join(str(components.get(m, m)) for m in r[5 + width]),
        ]
        for r in results
    )
    title = _("Leadership teams %(year)s") % {"year": year}
    return xlsx_download(export_name(title), [SheetSpec(title, header, rows, widths=[24, 30])])
