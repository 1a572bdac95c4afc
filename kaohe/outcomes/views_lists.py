"""The eligibility lists' pages (issue 16, item 3): the year's lists with their head
counts, and one page per list with its rule, filters (tier, unit), paging and an Excel
export. Scope: outcomes.selectors.list_scope (404 for a cadre)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from kaohe.accounts.models import User
from kaohe.core import workbooks
from kaohe.core.http import AuthedRequest, parse_id
from kaohe.core.workbooks import SheetSpec, export_name
from kaohe.jobs.exports import Export, deliver, export_key, register_export
from kaohe.org.models import RankTier
from kaohe.outcomes import selectors
from kaohe.outcomes.citations import list_rule, list_title
from kaohe.outcomes.policies import list_policy, policy_for
from kaohe.outcomes.rules import ListKind

LIST_EXPORT = "outcomes.export.list"


def _year(user: User, asked: str | None) -> tuple[list[int], int | None]:
    years = selectors.list_years(user)
    year = parse_id(asked)
    if year is not None and year in years:
        return years, year
    return years, years[0] if years else None


def _kind(kind: str) -> ListKind:
    try:
        return ListKind(kind)
    except ValueError as exc:
        raise Http404 from exc


@login_required
@require_GET
def lists_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    years, year = _year(req.user, request.GET.get("year"))
    return render(
        request,
        "outcomes/lists_index.html",
        {
            "years": years,
            "year": year,
            "summaries": selectors.list_summaries(req.user, year) if year else [],
        },
    )


@login_required
@require_GET
def list_page(request: HttpRequest, kind: str) -> HttpResponse:
    req = AuthedRequest.of(request)
    chosen_kind = _kind(kind)
    years, year = _year(req.user, request.GET.get("year"))
    chosen = selectors.list_filter(req.user, request.GET.get("tier"), request.GET.get("unit"))
    query = {"year": year or "", "tier": chosen.tier, "unit": chosen.unit_id or ""}
    return render(
        request,
        "outcomes/lists_list.html",
        {
            "kind": chosen_kind,
            "title": list_title(chosen_kind),
            "rule": list_rule(chosen_kind, list_policy(policy_for(req.user.region_id or 0))),
            "years": years,
            "year": year,
            "chosen": chosen,
            "tiers": RankTier.choices,
            "units": selectors.list_units(req.user),
            "rows": (
                selectors.list_page(req.user, year, chosen_kind, chosen, request.GET.get("page"))
                if year
                else None
            ),
            "query": urlencode({k: v for k, v in query.items() if v != ""}),
            "figure_header": FIGURE_HEADERS.get(chosen_kind, ""),
        },
    )


FIGURE_HEADERS: Mapping[ListKind, Any] = {
    ListKind.PROMOTION: gettext_lazy("优秀 in the last years"),
    ListKind.MERIT: gettext_lazy("优秀 years in a row"),
    ListKind.TENURE: gettext_lazy("Months saved"),
    ListKind.PAY: gettext_lazy("Years at 称职 or better"),
    ListKind.PROSPECT: gettext_lazy("Quarters of 好"),
    ListKind.TRAINING: gettext_lazy("Quarters of 一般 or lower"),
    ListKind.BONUS_CUT: gettext_lazy("Bonus cut (%)"),
}


def _sheet_rows(rows: Iterator[selectors.ListRow]) -> Iterator[Sequence[Any]]:
    for r in rows:
        yield (
            r.staff_no,
            r.name,
            r.unit_code,
            r.unit_name,
            r.tier,
            r.rank,
            r.composite,
            r.grade,
            r.figure,
            r.citation,
        )


def _list_export(user: User, params: Mapping[str, Any]) -> Export:
    """A list's download, with the page's scope and filters (404 outside the scope)."""
    kind = _kind(str(params["kind"]))
    year = int(params["year"])
    if year not in selectors.list_years(user):
        raise Http404
    chosen = selectors.list_filter(user, params.get("tier"), str(params.get("unit") or ""))
    scope = selectors.list_scope(user)
    title = list_title(kind)
    header = [
        _("Staff number"),
        _("Name"),
        _("Unit code"),
        _("Unit"),
        _("Rank tier"),
        _("Rank in the tier"),
        _("Composite score"),
        _("Grade"),
        str(FIGURE_HEADERS.get(kind, _("Figure"))),
        _("Basis"),
    ]
    return Export(
        filename=export_name(f"{year}年度", title),
        region_id=scope.region_id or 0,
        rows=selectors.list_export_count(user, year, kind, chosen),
        sheets=lambda: [
            SheetSpec(
                title=title[:31],
                header=header,
                rows=_sheet_rows(
                    selectors.list_export_rows(user, year, kind, chosen, workbooks.EXPORT_CHUNK)
                ),
                identifiers=(0, 2),
                widths=(14, 10, 12, 24, 12, 10, 10, 10, 10, 60),
            )
        ],
    )


register_export(LIST_EXPORT, gettext_lazy("Exporting an eligibility list"))(_list_export)


@login_required
@require_GET
def list_export(request: HttpRequest, kind: str) -> HttpResponseBase:
    req = AuthedRequest.of(request)
    _years, year = _year(req.user, request.GET.get("year"))
    if year is None:
        raise Http404
    chosen = selectors.list_filter(req.user, request.GET.get("tier"), request.GET.get("unit"))
    params = {"kind": kind, "year": year, "tier": chosen.tier, "unit": chosen.unit_id}
    export = _list_export(req.user, params)
    return deliver(
        actor=req.user,
        kind=LIST_EXPORT,
        # Per person: what one's scope holds, another's may not.
        key=export_key("list", kind, year, chosen.tier, chosen.unit_id or "", req.user.pk),
        params=params,
        export=export,
    )
