"""The archive (实绩档案, R6.1): a cadre's year as a page and as a PDF, the search
across years for the organization department and leaders, a cadre's own years."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kaohe.core.http import AuthedRequest
from kaohe.core.paging import CountedPaginator
from kaohe.outcomes import selectors
from kaohe.outcomes.archive_pdf import archive_pdf_bytes
from kaohe.scoring.engine import AnnualGrade
from kaohe.scoring.explain import grade_label


@login_required
def archive_page(request: HttpRequest, person_id: int, year: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    view = selectors.archive_view(req.user, person_id, year)
    context: dict[str, Any] = {"a": view}
    # The consequences of the year and what became of them: the consequences part
    # fills this at merge (view.consequences); the archive part shows nothing for it.
    context["consequences"] = view.consequences
    return render(request, "outcomes/archive_page.html", context)


@login_required
def archive_pdf(request: HttpRequest, person_id: int, year: int) -> HttpResponse:
    """The same content as the page, rendered from the frozen rows on demand
    (docs/decisions.md, "The archive's PDF is drawn on demand")."""
    req = AuthedRequest.of(request)
    view = selectors.archive_view(req.user, person_id, year)
    response = HttpResponse(archive_pdf_bytes(view), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="archive-{person_id}-{year}.pdf"'
    return response


@login_required
def mine_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    rows = [(r, grade_label(r.grade)) for r in selectors.my_archive_years(req.user)]
    return render(
        request, "outcomes/archive_mine.html", {"rows": rows, "person_id": req.user.person_id}
    )


def _year(raw: str) -> int | None:
    raw = raw.strip()
    # isdecimal, the digits int() reads ("２０２６" typed in a Chinese IME included):
    # "²026".isdigit() is true, and int() failed on it (a 500).
    return int(raw) if raw.isdecimal() and len(raw) == 4 else None


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    g = request.GET
    grades = [(g_.value, grade_label(g_.value)) for g_ in AnnualGrade]
    grade = g.get("grade", "")
    f = selectors.ArchiveFilter(
        name=g.get("name", "").strip()[:50],
        unit=g.get("unit", "").strip()[:100],
        year=_year(g.get("year", "")),
        grade=grade if grade in {v for v, _l in grades} else "",
    )
    rows = selectors.archive_search(req.user, f)
    page = CountedPaginator(rows, selectors.ARCHIVE_PAGE_SIZE, count=rows.count()).get_page(
        g.get("page")
    )
    shown = [(r, grade_label(r.grade)) for r in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "outcomes/archive_search.html",
        {
            "f": f,
            "grades": grades,
            "page": page,
            "rows": shown,
            "query": query.urlencode(),
            "bad_year": bool(g.get("year", "").strip()) and f.year is None,
            "year_hint": _("A year such as 2026"),
        },
    )
