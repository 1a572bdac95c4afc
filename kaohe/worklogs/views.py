from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.accounts.access import region_id_of
from kaohe.accounts.models import User
from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import (
    BAD_DAY,
    BAD_MONTH,
    FIRST_DAY,
    LAST_DAY,
    AuthedRequest,
    parse_day,
    parse_id,
    parse_month,
    redirect_back,
    show_refusal,
)
from kaohe.org.models import Unit
from kaohe.org.selectors import org_version
from kaohe.worklogs import compliance, selectors, services
from kaohe.worklogs.compliance import (
    ComplianceReport,
    PersonRow,
    Tally,
    UnitRow,
    UnitsReport,
    UnitTally,
)
from kaohe.worklogs.feed_html import feed_items_html, unit_options_html
from kaohe.worklogs.models import SummaryKind, Timeliness
from kaohe.worklogs.policies import policy_for
from kaohe.worklogs.rules import Period
from kaohe.worklogs.selectors import FeedCursor, FeedFilter

FEED_PAGE_SIZE = 20
RECENT_LOGS = 10  # the author's newest logs under the day's form
NOT_WRITTEN_SHOWN = 100
MONTH_LINKED_STATES = frozenset({"open", "written", "backfilled", "missing"})
# The compliance page lists at most this many units (the download lists them all), offers
# this many in its picker (the top of the user's tree; a search finds the others) and
# lists this many units found by name.
UNITS_SHOWN = 200
PICKER_SHOWN = 100
FOUND_SHOWN = 20
FIND_MAX_LENGTH = 50


@login_required
@require_http_methods(["GET", "POST"])
def today_page(request: HttpRequest) -> HttpResponse:
    """Write today's log (or backfill an open day) in a few taps; recent logs below."""
    req = AuthedRequest.of(request)
    today = clock.today()
    source = request.POST if request.method == "POST" else request.GET
    day, ok = parse_day(source.get("day"), today)
    content = ""
    if not ok:
        messages.error(request, BAD_DAY)
    elif request.method == "POST":
        content = request.POST.get("content", "")
        try:
            services.worklog_submit(actor=req.user, day=day, content=content, today=today)
        except ApplicationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("The log of %(day)s is saved.") % {"day": day.isoformat()})
            return redirect("worklogs:today")
    policy = policy_for(req.user.region_id) if req.user.region_id else None
    # The day's state, the open days and the day's text in one read; past its deadline
    # (or not a day to write) the day shows its state and why, no form.
    view = selectors.day_view(req.user, day, today, recent=RECENT_LOGS, policy=policy)
    cell = view.cell
    closed = _closed_reason(cell, today, policy.backfill_workdays if policy else 0)
    return render(
        request,
        "worklogs/today.html",
        {
            "day": day,
            "today": today,
            "content": content or view.content,
            "existing": view.content,
            "open_days": _open_day_chips(view.open_days, day, today),
            "recent": _own_log_items(req.user, view.recent),
            "policy": policy,
            "cell": cell,
            "state_label": selectors.day_state_label(cell.state if cell else "") if closed else "",
            "closed": closed,
        },
    )


def _open_day_chips(cells: list[selectors.DayCell], day: dt.date, today: dt.date) -> SafeString:
    """The open days as links (written here: a translated label and dates per chip)."""
    return format_html_join(
        "",
        '<a class="chip{}" href="?day={}">{}<span class="muted"> {}</span></a>',
        (
            (
                " current" if c.day == day else "",
                c.day.isoformat(),
                _("Today") if c.day == today else f"{c.day.month}月{c.day.day}日",
                _("until %(d)s") % {"d": _month_day(c.deadline)},
            )
            for c in cells
        ),
    )


def _month_day(day: dt.date | None) -> str:
    return "" if day is None else f"{day.month}月{day.day}日"


def _own_log_items(user: User, logs: list[selectors.OwnLog]) -> SafeString:
    """The user's own logs as worklogs/_log_item.html shows them to their author (no
    read or comment form), written here: the include, a URL and labels per log cost
    more than the rest of the page. Every text is escaped, as the template's variables
    are."""
    if not logs or user.person is None:
        return SafeString("")
    # The standard library's escape (what django.utils.html.escape calls, without its
    # lazy-string wrapper): the texts here are plain strings.
    esc = html.escape
    name = esc(user.person.name)
    labels: dict[str, str] = {}
    read_by, edited = esc(_("Read by")), esc(_("edited"))
    parts = []
    for log in logs:
        history = (
            f' · <a href="{reverse("worklogs:history", args=[log.log_id])}">{edited}</a>'
            if log.revision_count
            else ""
        )
        readers = (
            f'<div class="reads">{read_by}：{esc("、".join(log.readers))}</div>'
            if log.readers
            else ""
        )
        comments = "".join(
            f'<div class="comment"><strong>{esc(who)}</strong>：{esc(text)}</div>'
            for who, text in log.comments
        )
        label = labels.get(log.timeliness)
        if label is None:
            known = log.timeliness in Timeliness.values
            label = esc(str(Timeliness(log.timeliness).label) if known else log.timeliness)
            labels[log.timeliness] = label
        parts.append(
            f'<article class="log" id="log-{log.log_id}"><header><span><strong>{name}</strong>'
            f" · {esc(log.unit_name)}</span><span>{log.day.isoformat()} · {label}{history}"
            f'</span></header><div class="body">{esc(log.content)}</div>'
            f"{readers}{comments}</article>"
        )
    return SafeString("".join(parts))


def _closed_reason(cell: selectors.DayCell | None, today: dt.date, workdays: int) -> str:
    """Why the log of the cell's day can no longer be written; empty when it can."""
    if cell is None or cell.writable(today):
        return ""
    day = cell.day.isoformat()
    if cell.state in ("written", "backfilled", "missing") and cell.deadline is not None:
        if cell.state == "missing":
            text = _(
                "The log of %(day)s was not written. It could be written until %(deadline)s "
                "(%(n)s working days after the day); that deadline has passed, so it can no "
                "longer be written."
            )
        else:
            text = _(
                "The log of %(day)s could be changed until %(deadline)s (%(n)s working days "
                "after the day); that deadline has passed, so it can no longer be changed."
            )
        return text % {"day": day, "deadline": cell.deadline.isoformat(), "n": workdays}
    if cell.state == "future":
        return _("%(day)s has not come yet; logs are written on the day or after.") % {"day": day}
    if cell.state in ("rest", "written", "backfilled"):  # a log kept from a rest day
        return _("%(day)s is not a working day; no log is needed.") % {"day": day}
    return _("On %(day)s you held no assessed post or were on leave, so no log is needed.") % {
        "day": day
    }


@login_required
def month_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    today = clock.today()
    first, ok = parse_month(request.GET.get("month"), today.replace(day=1))
    if not ok:
        messages.error(request, BAD_MONTH)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "worklogs/month.html",
        {
            "first": first,
            "weeks": _month_rows(selectors.month_cells(req.user, first.year, first.month, today)),
            "previous": previous,
            "following": following if following <= today.replace(day=1) else None,
        },
    )


def _month_rows(weeks: list[list[selectors.DayCell | None]]) -> SafeString:
    """The month's table rows, written here: a cell's tags cost more in a template loop
    than the page's reads. Days that open the day view: those with a log, or one still
    owed."""
    link = reverse("worklogs:today")
    rows = []
    for week in weeks:
        cells = []
        for c in week:
            if c is None:
                cells.append("<td></td>")
                continue
            # A state from DayCell's fixed set, a date and a day number: nothing to escape.
            iso = c.day.isoformat()
            inner = (
                f'<a href="{link}?day={iso}">{c.day.day}</a>'
                if c.state in MONTH_LINKED_STATES
                else f"<span>{c.day.day}</span>"
            )
            cells.append(f'<td class="st-{c.state}" title="{iso}">{inner}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return SafeString("\n".join(rows))


@login_required
def feed_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    start, ok_start = parse_day(request.GET.get("start"), None)
    end, ok_end = parse_day(request.GET.get("end"), None)
    if not (ok_start and ok_end):
        messages.error(request, BAD_DAY)
    flt = FeedFilter(
        unit_id=parse_id(request.GET.get("unit")),
        person_id=parse_id(request.GET.get("person")),
        start=start,
        end=end,
        text=request.GET.get("q", "").strip()[:50],
    )
    page = selectors.log_feed(
        req.user,
        flt,
        before=FeedCursor.parse(request.GET.get("before")),
        after=FeedCursor.parse(request.GET.get("after")),
        size=FEED_PAGE_SIZE,
    )
    query = request.GET.copy()
    for key in ("before", "after", "page"):
        query.pop(key, None)
    return render(
        request,
        "worklogs/feed.html",
        {
            "page": page,
            "items": feed_items_html(request, page.items),
            "filter": flt,
            "unit_options": unit_options_html(selectors.feed_scope(req.user).units, flt.unit_id),
            "query": query.urlencode(),
            "paged": "before" in request.GET or "after" in request.GET,
        },
    )


def _log_item(request: HttpRequest, req: AuthedRequest, log_id: int) -> HttpResponse:
    """The log's item as the feed shows it, for htmx to swap in; others go back."""
    log = selectors.log_get(req.user, log_id)
    if request.headers.get("HX-Request"):
        return HttpResponse(feed_items_html(request, selectors.feed_entries(req.user, [log.pk])))
    return redirect_back(request, reverse("worklogs:feed"))


@login_required
@require_POST
def log_read(request: HttpRequest, log_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    services.log_mark_read(reader=req.user, log=selectors.log_get(req.user, log_id))
    return _log_item(request, req, log_id)


@login_required
@require_POST
def log_comment(request: HttpRequest, log_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    log = selectors.log_get(req.user, log_id)
    if not selectors.can_lead(req.user, log.unit):
        raise Http404
    try:
        services.log_comment(actor=req.user, log=log, content=request.POST.get("content", ""))
    except ApplicationError as exc:
        show_refusal(request, exc)
    return _log_item(request, req, log_id)


@login_required
def log_history(request: HttpRequest, log_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    log = selectors.log_get(req.user, log_id)
    return render(
        request,
        "worklogs/history.html",
        {
            "log": log,
            "item": selectors.log_items(req.user, [log])[0],
            "revisions": selectors.log_revisions(req.user, log),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def summaries_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    today = clock.today()
    current = Period.quarter_of(today)
    kind = request.POST.get("kind") or request.GET.get("kind") or SummaryKind.QUARTERLY
    content = ""
    if request.method == "POST":
        content = request.POST.get("content", "")
        year = parse_id(request.POST.get("year")) or today.year
        quarter = parse_id(request.POST.get("quarter")) or 0
        if not FIRST_DAY.year <= year <= LAST_DAY.year:
            raise Http404  # the form offers this year and last; any other is forged
        try:
            services.summary_submit(
                actor=req.user,
                kind=SummaryKind(kind) if kind in SummaryKind.values else SummaryKind.QUARTERLY,
                period=Period(year, quarter),
                content=content,
                today=today,
            )
        except ApplicationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("The summary is saved."))
            return redirect("worklogs:summaries")
    return render(
        request,
        "worklogs/summaries.html",
        {
            "current": current,
            "previous": Period.quarter_of(current.start - dt.timedelta(days=1)),
            "today": today,
            "content": content,
            "kind": kind,
            "summaries": selectors.my_summaries(req.user),
        },
    )


SORTS = {
    "rate": lambda r: (r.tally.rate if r.tally.rate is not None else 2.0, r.name),
    "missing": lambda r: (-r.tally.missing, r.name),
    "name": lambda r: (r.name,),
}


def _percent(tally: Tally) -> str:
    """As the template tag widthratio wrote it: the rounded share, "—" with nothing owed."""
    return "—" if tally.rate is None else f"{round(tally.written / tally.expected * 100)}%"


# The compliance page's long lists, written with format_html_join (escaping as the
# template does): rendering them with template tags cost more than computing them.
def _unit_rows(units: Iterable[UnitRow | UnitTally], days: str) -> SafeString:
    return format_html_join(
        "",
        '<tr><td><a href="?unit={}&amp;{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
        "<td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                u.unit_id,
                days,
                u.name,
                u.headcount,
                u.tally.on_time,
                u.tally.backfilled,
                u.tally.missing,
                u.tally.pending,
                _percent(u.tally),
            )
            for u in units
        ),
    )


def _unit_options(top_units: list[Unit], root: Unit | None) -> SafeString:
    """The picker's top units, and the chosen unit, selected, wherever it sits."""
    offered = [*top_units, *([root] if root is not None and root not in top_units else [])]
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((u.pk, " selected" if u == root else "", u.name) for u in offered),
    )


def _person_rows(people: Iterable[PersonRow], readable_units: set[int]) -> SafeString:
    feed = reverse("worklogs:feed")
    return format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                format_html('<a href="{}?person={}">{}</a>', feed, p.person_id, p.name)
                if p.unit_id in readable_units
                else p.name,
                p.unit_name,
                p.tally.on_time,
                p.tally.backfilled,
                p.tally.missing,
                p.tally.pending,
            )
            for p in people
        ),
    )


@dataclass(frozen=True)
class _Ranking:
    """The units of one sort as the page shows them: the rows written out, the chart's
    names and rates, and how many units are left out."""

    rows: SafeString
    names: list[str]
    rates: list[float]
    hidden: int


@dataclass(frozen=True)
class _UnitsView:
    """The view of all units as the page shows it. For a region-wide user over the
    default range it is kept for the region (compliance.region_view_cached), so a read
    costs what the page shows, not what the region holds."""

    report: UnitsReport | ComplianceReport  # the total and the dates; units in `rankings`
    rankings: dict[str, _Ranking]
    not_written: SafeString  # the list's items
    not_written_count: int
    unit_options: SafeString


def _ranking(units: list[UnitRow | UnitTally], sort: str, days: str) -> _Ranking:
    ranked = sorted(units, key=SORTS[sort])
    shown = ranked[:UNITS_SHOWN]
    return _Ranking(
        rows=_unit_rows(shown, days),
        names=[u.name for u in shown],
        rates=[round((u.tally.rate or 0) * 100, 1) for u in shown],
        hidden=len(ranked) - len(shown),
    )


def _not_written(user: User, today: dt.date) -> tuple[SafeString, int]:
    """A page of the people who have not written today, and how many there are in all."""
    names = selectors.not_written_today_names(user, today, NOT_WRITTEN_SHOWN)
    items = format_html_join("", '<li>{} <span class="muted">{}</span></li>', names)
    if len(names) < NOT_WRITTEN_SHOWN:
        return items, len(names)
    return items, selectors.not_written_today(user, today).count()


def _all_units_view(
    user: User, start: dt.date, end: dt.date, today: dt.date, days: str, sorts: Iterable[str]
) -> _UnitsView:
    # All the units at once name nobody: their figures are added up per unit in SQL.
    report = selectors.compliance_by_unit_for(user, root_id=None, start=start, end=end, today=today)
    units: list[UnitRow | UnitTally] = [*report.units]
    names, count = _not_written(user, today)
    return _UnitsView(
        report=replace(report, units=[]),
        rankings={sort: _ranking(units, sort, days) for sort in sorts},
        not_written=names,
        not_written_count=count,
        unit_options=_unit_options(list(selectors.compliance_top_units(user)[:PICKER_SHOWN]), None),
    )


@login_required
def compliance_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    region_wide = selectors.oversees_region(req.user)
    if not region_wide and not selectors.oversight_units(req.user).exists():
        raise Http404
    today = clock.today()
    default_start = Period.quarter_of(today).start
    start, ok_start = parse_day(request.GET.get("start"), default_start)
    end, ok_end = parse_day(request.GET.get("end"), today)
    if not (ok_start and ok_end):
        messages.error(request, BAD_DAY)
    if end < start:
        messages.error(
            request, _("The end date is before the start date; showing from the start date only.")
        )
        end = start
    sort = request.GET.get("sort", "rate")
    if sort not in SORTS:
        sort = "rate"
    # The chosen days as a query string, written once for every link that keeps them.
    days = urlencode({"start": start.isoformat(), "end": end.isoformat()})
    root_id = parse_id(request.GET.get("unit"))
    root = selectors.compliance_root(req.user, root_id) if root_id else None
    people: list[PersonRow] = []
    readable: set[int] = set()
    if root_id:
        report = selectors.compliance_for(
            req.user, root_id=root_id, start=start, end=end, today=today
        )
        people = report.people
        names, count = _not_written(req.user, today)
        view = _UnitsView(
            report=report,
            rankings={sort: _ranking([*report.units], sort, days)},
            not_written=names,
            not_written_count=count,
            unit_options=_unit_options(
                list(selectors.compliance_top_units(req.user)[:PICKER_SHOWN]), root
            ),
        )
        if people:
            # Names link to logs only where the viewer reads them (admins see figures).
            readable = set(
                selectors.feed_units(req.user)
                .filter(pk__in=[u.unit_id for u in report.units])
                .values_list("pk", flat=True)
            )
    elif region_wide and (start, end) == (default_start, today):
        # What a region's office opens every day: kept for the region until a write.
        region_id = region_id_of(req.user)
        view = compliance.region_view_cached(
            region_id,
            today,
            lambda: _all_units_view(req.user, start, end, today, days, SORTS),
            # Units and memberships change it too: their writers drop the org version.
            stamp=(UNITS_SHOWN, PICKER_SHOWN, NOT_WRITTEN_SHOWN, org_version(region_id)),
        )
    else:
        view = _all_units_view(req.user, start, end, today, days, [sort])
    ranking = view.rankings[sort]
    # The units shown, a row each, in a scrolling box (static/kaohe/charts.js).
    chart = {
        "categories": ranking.names,
        "series": [{"name": _("Completion rate"), "data": ranking.rates}],
        "max": 100,
        "suffix": "%",
        "labels": True,
    }
    query = request.GET.copy()
    query.pop("sort", None)
    query.pop("find", None)
    find = request.GET.get("find", "").strip()[:FIND_MAX_LENGTH]
    return render(
        request,
        "worklogs/compliance.html",
        {
            "report": view.report,
            "units": ranking.names,
            "units_hidden": ranking.hidden,
            "people": people,
            "root_id": root_id,
            "root_path": selectors.compliance_unit_path(req.user, root) if root else [],
            "start": start,
            "end": end,
            "days": days,
            "sort": sort,
            "query": query.urlencode(),
            "chart": chart,
            "unit_options": view.unit_options,
            "find": find,
            "found": list(selectors.compliance_unit_search(req.user, find)[:FOUND_SHOWN])
            if find
            else [],
            "unit_rows": ranking.rows,
            "person_rows": _person_rows(people, readable),
            "not_written_items": view.not_written,
            "not_written_count": view.not_written_count,
            "not_written_shown": NOT_WRITTEN_SHOWN,
            "today": today,
        },
    )
