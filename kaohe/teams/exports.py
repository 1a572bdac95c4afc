"""The teams' year as Excel, scoped exactly like the year page that offers it."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kaohe.core import clock
from kaohe.core.http import AuthedRequest
from kaohe.core.workbooks import SheetSpec, export_name, xlsx_download
from kaohe.teams import selectors
from kaohe.teams.models import Component


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
    results = selectors.year_results(req.user, year)
    header = [
        _("Unit"),
        _("Leadership team"),
        *[str(label) for _v, label in Component.choices],
        _("Annual score"),
        _("Rank"),
        _("Grade"),
        _("Missing components"),
    ]
    labels = dict(Component.choices)
    rows = (
        [
            r.unit.name,
            "、".join(m["name"] for m in r.members),
            *[_cell(getattr(r, value)) for value, _label in Component.choices],
            _cell(r.composite),
            r.rank or "",
            r.get_grade_display(),
            "、".join(str(labels.get(m, m)) for m in r.missing),
        ]
        for r in results
    )
    title = _("Leadership teams %(year)s") % {"year": year}
    return xlsx_download(export_name(title), [SheetSpec(title, header, rows, widths=[24, 30])])
