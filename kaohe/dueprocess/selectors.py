"""Due process's reads, each scoped to the acting user (outside it: Http404). Each part
(publicity, notice, cases) keeps its functions in a block of its own below."""

from __future__ import annotations

from typing import cast

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.http import Http404

from kaohe.accounts.access import Scope, is_region_admin, scope_of
from kaohe.accounts.models import User
from kaohe.dueprocess.models import Objection, Publicity, PublicityEntry
from kaohe.scoring.models import AnnualRun
from kaohe.scoring.selectors import office_annual_run

# ---------------------------------------------------------------- publicity (公示)

PUBLICITY_PAGE_SIZE = 50
DOCKET_PAGE_SIZE = 50


def _publicity_scope(user: User) -> Scope:
    """Anyone with a grant in the region sees its 公示, limited to the candidates of the
    units their grants cover (a cadre their unit, a unit head their units, the office
    the whole region)."""
    scope = scope_of(user)
    if scope.is_empty or scope.region_id is None:
        raise Http404
    return scope


def _region_of(scope: Scope) -> int:
    if scope.region_id is None:
        raise Http404
    return scope.region_id


def publicities(user: User) -> QuerySet[Publicity]:
    """The region's 公示, latest first."""
    scope = _publicity_scope(user)
    return Publicity.objects.filter(region_id=_region_of(scope)).order_by("-starts_on", "-pk")


def publicity_get(user: User, publicity_id: int) -> Publicity:
    scope = _publicity_scope(user)
    publicity = (
        Publicity.objects.filter(pk=publicity_id, region_id=_region_of(scope))
        .select_related("run")
        .first()
    )
    if publicity is None:
        raise Http404
    return publicity


def publicity_run(user: User, run_id: int) -> tuple[AnnualRun, Publicity | None]:
    """The office's year and its 公示, if started."""
    run = office_annual_run(user, run_id)
    return run, Publicity.objects.filter(run=run).first()


def _entries(user: User, publicity: Publicity) -> QuerySet[PublicityEntry]:
    scope = _publicity_scope(user)
    entries = PublicityEntry.objects.filter(publicity=publicity)
    if not scope.region_wide:
        entries = entries.filter(scope.unit_filter("unit__"))
    return entries


def publicity_units(user: User, publicity: Publicity) -> list[tuple[int, str]]:
    """The units the filter offers: those of the candidates in scope (one query)."""
    return list(
        _entries(user, publicity)
        .filter(unit__isnull=False)
        .order_by("unit__path")
        .values_list("unit_id", "unit_name")
        .distinct()
    )


def publicity_entries(
    user: User, publicity: Publicity, unit_id: int | None, page_number: str | None
) -> Page[PublicityEntry]:
    """One page of the candidates in scope, by unit and name, each with its count of
    objections still open (two queries: the count and the page)."""
    entries = _entries(user, publicity)
    if unit_id is not None:
        entries = entries.filter(unit_id=unit_id)
    entries = entries.annotate(
        open_objections=Count("objections", filter=Q(objections__finding=""))
    ).order_by("unit_name", "name", "pk")
    # The annotated rows are the model's rows with one more attribute.
    return cast(
        "Page[PublicityEntry]", Paginator(entries, PUBLICITY_PAGE_SIZE).get_page(page_number)
    )


def publicity_entry(user: User, publicity: Publicity, entry_id: int) -> PublicityEntry:
    entry = _entries(user, publicity).filter(pk=entry_id).select_related("unit").first()
    if entry is None:
        raise Http404
    return entry


def _docket(user: User) -> QuerySet[Objection]:
    """The region office's objections; anyone else: 404 (a cadre sees no docket)."""
    if not is_region_admin(user) or user.region_id is None:
        raise Http404
    return Objection.objects.filter(publicity__region_id=user.region_id)


def objection_docket(user: User, page_number: str | None) -> Page[Objection]:
    """The docket: open objections first (oldest first), then the answered ones, latest
    first (two queries). The author is read for named objections only: an anonymous
    one has none."""
    rows = (
        _docket(user)
        .select_related("entry", "publicity", "author__person")
        .annotate(answered=Case(When(finding="", then=Value(0)), default=Value(1)))
        .order_by("answered", "-resolved_at", "raised_on", "pk")
    )
    return cast("Page[Objection]", Paginator(rows, DOCKET_PAGE_SIZE).get_page(page_number))


def objection_get(user: User, objection_id: int) -> Objection:
    objection = (
        _docket(user)
        .filter(pk=objection_id)
        .select_related("entry", "publicity__run", "author__person", "resolved_by__person")
        .first()
    )
    if objection is None:
        raise Http404
    return objection
