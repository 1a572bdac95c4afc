from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from kaohe.accounts.access import (
    ADMIN_ROLES,
    FORMS_ROLES,
    SURVEY_RESULT_ROLES,
    can_manage_roster,
    is_region_admin,
    region_id_of,
    scope_of,
)
from kaohe.accounts.models import User
from kaohe.core import clock
from kaohe.core.errors import ApplicationError, ValidationFailed
from kaohe.core.http import BAD_DAY, AuthedRequest, Refusal, parse_day, parse_id
from kaohe.jobs.registry import label_for
from kaohe.jobs.selectors import active_job
from kaohe.jobs.services import job_start
from kaohe.org import jobs as org_jobs
from kaohe.org import roster, selectors
from kaohe.org.errors import OrgErrorCode
from kaohe.org.models import LeadershipRole, MembershipStatus, Region

MEMBERS_PER_PAGE = 100
MAX_LEADERS = 1000  # a bound for the leaders' line, which no unit comes near
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    # RFC 5987 form so Chinese file names survive every browser.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# Beyond this page the tree is found through search (or a unit's page), not paged to.
MAX_TREE_PAGE = 1000


def _tree_page_number(request: HttpRequest) -> int:
    return min(parse_id(request.GET.get("page")) or 1, MAX_TREE_PAGE)


@dataclass(frozen=True)
class TreeRow:
    """A tree row as the template prints it: plain strings, so 50 rows render in about a
    millisecond (a reverse() and a {% blocktranslate count %} per row took most of the
    old page's time)."""

    href: str
    name: str
    count: str
    children_href: str  # "" for a unit with nothing the user may open under it
    child_label: str


# An id no URL holds otherwise: reversed once, it marks where each row's id goes.
_STAND_IN = 987654321


def url_pattern(name: str) -> str:
    """The URL of `name` for any id, as a %-format (`pattern % pk`): reverse() per row
    was a large part of rendering a long list."""
    return reverse(name, args=[_STAND_IN]).replace(str(_STAND_IN), "%d")


def _tree_context(day: dt.date, level: selectors.TreeLevel) -> dict[str, object]:
    unit_url, children_url = url_pattern("org:unit"), url_pattern("org:unit_tree_children")
    query = f"?date={day.isoformat()}"
    rows = []
    for node in level.nodes:
        total = node.subtree_head_count
        rows.append(
            TreeRow(
                href=unit_url % node.unit_id + query,
                name=node.name,
                count=f"{node.head_count} / {total}"
                if node.child_count and total is not None
                else str(node.head_count),
                children_href=children_url % node.unit_id + query if node.child_count else "",
                child_label=ngettext(
                    "%(n)s subordinate unit", "%(n)s subordinate units", node.child_count
                )
                % {"n": node.child_count},
            )
        )
    return {"level": level, "rows": rows, "day": day, "date_query": query}


@login_required
@require_GET
def unit_tree_page(request: HttpRequest) -> HttpResponse:
    """The top of the user's unit tree; rows open their subordinate units on demand
    (`unit_tree_children`), so the page's size does not grow with the region's."""
    req = AuthedRequest.of(request)
    today = clock.today()
    day, ok = parse_day(request.GET.get("date"), today)
    if not ok:
        messages.error(request, BAD_DAY)
    level = selectors.unit_tree_roots(req.user, day, _tree_page_number(request))
    return render(request, "org/unit_tree.html", _tree_context(day, level))


@login_required
@require_GET
def unit_tree_children(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The rows under one unit (an htmx fragment): 404 outside the user's scope."""
    req = AuthedRequest.of(request)
    day, _ok = parse_day(request.GET.get("date"), clock.today())
    page = _tree_page_number(request)
    level = selectors.unit_tree_children(req.user, unit_id, day, page)
    context = _tree_context(day, level)
    if level.has_next:
        context["more_url"] = (
            f"{reverse('org:unit_tree_children', args=[unit_id])}"
            f"?date={day.isoformat()}&page={page + 1}"
        )
    # No request context: a fragment needs none of the navigation's queries.
    return HttpResponse(render_to_string("org/_tree_level.html", context))


# A member as the page prints it: (person id, name, post, rank level, role label, status
# label, category, is a leader). Tuples, not models: four model instances per row cost
# more than the query.
Member = tuple[int, str, str, str, str, str, str, bool]


def _members(rows: Iterable[selectors.MemberColumns]) -> list[Member]:
    roles = {value: str(label) for value, label in LeadershipRole.choices}
    statuses = {value: str(label) for value, label in MembershipStatus.choices}
    return [
        (
            person_id,
            name,
            post or "—",
            rank_level,
            roles.get(role, role),
            statuses.get(status, status),
            category,
            role != LeadershipRole.STAFF,
        )
        for person_id, name, post, rank_level, role, status, category in rows
    ]


# The table's rows and the leaders' line, written in Python with the standard library's
# escape (what django.utils.html.escape calls, without its per-call lazy-string wrapper):
# a template loop, or format_html per row, was most of the page's time.
def _member_rows_html(members: list[Member]) -> SafeString:
    person = url_pattern("org:person")
    return mark_safe(  # noqa: S308  (every value escaped)
        "".join(
            f'<tr><td><a href="{person % m[0]}">{escape(m[1])}</a></td><td>{escape(m[2])}</td>'
            f"<td>{escape(m[3])}</td><td>{escape(m[4])}</td><td>{escape(m[5])}</td>"
            f"<td>{escape(m[6])}</td></tr>"
            for m in members
        )
    )


def _leaders_html(members: list[Member]) -> SafeString:
    person = url_pattern("org:person")
    return mark_safe(  # noqa: S308  (every value escaped)
        "\u3000".join(  # an ideographic space between leaders
            f'<a href="{person % m[0]}">{escape(m[1])}</a> '
            f'<span class="badge lead">{escape(m[4])}</span>'
            for m in members
        )
    )


def _member_page(
    unit: selectors.UnitHead, day: dt.date, number: int
) -> tuple[Page[Any], list[Member]]:
    """A page of members and how many there are, in one query whatever the unit's size.
    Past the last page, the last."""
    offset = (number - 1) * MEMBERS_PER_PAGE
    rows, count = selectors.unit_member_page(unit, day, offset, MEMBERS_PER_PAGE)
    if not rows and number > 1:
        # Out of range: counted, then the last page (as Paginator.get_page does).
        total = selectors.unit_member_page(unit, day, 0, 1)[1]
        return _member_page(unit, day, max(1, -(-total // MEMBERS_PER_PAGE)))
    # A paginator over the count alone: its page numbers and links, no query.
    return Paginator(range(count), MEMBERS_PER_PAGE).page(number), _members(rows)


@login_required
def unit_page(request: HttpRequest, unit_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    today = clock.today()
    day, ok = parse_day(request.GET.get("date"), today)
    if not ok:
        messages.error(request, BAD_DAY)
    # The unit, its pilot flag and its pool in one query (the scope checked on its row).
    unit = selectors.unit_head(req.user, unit_id, day.year)
    page, rows = _member_page(unit, day, parse_id(request.GET.get("page")) or 1)
    # Leaders are listed apart from the paged table so they show on every page. They
    # come first, so a first page that ends with staff (or is the last) holds them all.
    if page.number == 1 and (not page.has_next() or (rows and not rows[-1][7])):
        leaders = [r for r in rows if r[7]]
    else:
        leaders = _members(
            selectors.unit_member_page(unit, day, 0, MAX_LEADERS, leaders_only=True)[0]
        )
    return render(
        request,
        "org/unit.html",
        {
            "unit": unit,
            "day": day,
            "page": page,
            "rows": _member_rows_html(rows),
            "leaders": _leaders_html(leaders),
            "pool": unit.pool,
            "is_pilot": unit.is_pilot,
            "can_export": scope_of(req.user, ADMIN_ROLES).covers_path(unit.path, unit.pk),
            "form_years": _form_years(req.user, unit.path, unit.pk, today),
            "survey_results": scope_of(req.user, SURVEY_RESULT_ROLES).covers_path(
                unit.path, unit.pk
            ),
        },
    )


@dataclass(frozen=True)
class FormYear:
    year: int
    quarters: list[int]


def _form_years(user: User, path: str, unit_id: int, today: dt.date) -> list[FormYear]:
    """The years whose official forms (outcomes) the unit's or a person's page offers to
    print: this year's begun quarters and last year's, for the unit's leaders and
    administrators and the region's office (`FORMS_ROLES`); none for anyone else."""
    scope = scope_of(user, FORMS_ROLES)
    if scope.is_empty or not scope.covers_path(path, unit_id):
        return []
    begun = (today.month - 1) // 3 + 1
    return [FormYear(today.year, list(range(1, begun + 1))), FormYear(today.year - 1, [1, 2, 3, 4])]


@login_required
def unit_export(request: HttpRequest, unit_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    unit = selectors.unit_get(req.user, unit_id, roles=ADMIN_ROLES)
    day, _ok = parse_day(request.GET.get("date"), clock.today())
    subtree = selectors.visible_units(req.user, ADMIN_ROLES).filter(path__startswith=unit.path)
    memberships = selectors.assessment_scope(req.user, day, units=subtree)
    return _xlsx(roster.roster_export(memberships), f"{unit.name}-人员名册-{day}.xlsx")


@login_required
def person_page(request: HttpRequest, person_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    person = selectors.person_get(req.user, person_id)
    history = list(selectors.person_history(person))
    today = clock.today()
    current = next(
        (
            m
            for m in history
            if m.valid_from <= today and (m.valid_to is None or m.valid_to >= today)
        ),
        None,
    )
    return render(
        request,
        "org/person.html",
        {
            "person": person,
            "history": history[::-1],
            "current": current,
            "today": today,
            "form_years": _form_years(req.user, current.unit.path, current.unit_id, today)
            if current is not None
            else [],
        },
    )


@login_required
def roster_template(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    if not can_manage_roster(req.user):
        raise Http404
    return _xlsx(roster.roster_template(req.user), "人员名册模板.xlsx")


def _row_change(staff_no: str, new: set[str], changed: set[str]) -> str:
    if staff_no in new:
        return _("New person")
    if staff_no in changed:
        return _("Position changed")
    return _("Unchanged")


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    if not can_manage_roster(req.user):
        raise Http404
    context: dict[str, object] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["refusal"] = Refusal.of(
                ApplicationError(_("Choose an .xlsx file to upload."), code=OrgErrorCode.NO_FILE)
            )
        elif (
            settings.KAOHE_ROSTER_JOB_BYTES < (upload.size or 0) <= settings.KAOHE_ROSTER_MAX_BYTES
        ):
            # A large file is imported by the background worker; the job page shows
            # its progress and, at the end, the counts or every problem found.
            job = job_start(
                actor=req.user,
                region=Region.objects.get(pk=region_id_of(req.user)),
                kind=org_jobs.IMPORT,
                key=org_jobs.KEY,
                params={"file_name": (upload.name or "")[:200]},
                payload=upload.read(),
            )
            if job.actor_id == req.user.pk:
                return redirect("jobs:job", job_id=job.pk)
            # Someone else's import is running (one per region): this file was not taken,
            # and their job's page is not this user's to watch.
            context["refusal"] = Refusal.of(
                ApplicationError(
                    _(
                        "Another roster import of the region is running; upload the file "
                        "again when it has finished."
                    ),
                    code=OrgErrorCode.IMPORT_RUNNING,
                )
            )
        else:
            try:
                result = roster.roster_import(
                    actor=req.user,
                    upload=upload,
                    size=upload.size or 0,
                    file_name=upload.name or "",
                )
            except ValidationFailed as exc:
                context["refusal"] = Refusal.of(exc)
            else:
                context["result"] = result
                new = set(result.new_staff_nos)
                changed = set(result.staff_nos) - new
                context["imported"] = [
                    (p, _row_change(p.staff_no, new, changed))
                    for p in selectors.visible_people(req.user, ADMIN_ROLES)
                    .filter(staff_no__in=result.all_staff_nos[:200])
                    .order_by("staff_no")
                ]
                messages.success(request, org_jobs.imported_message(result))
    region_id = req.user.region_id
    context["frozen"] = roster.frozen_periods(region_id) if region_id is not None else []
    if region_id is not None:
        running = active_job(region_id, org_jobs.KEY)
        # Shown to whoever may watch it (jobs.selectors.job_get): another unit admin's
        # import would poll a page that is not theirs (404 every second).
        if running is not None and (running.actor_id == req.user.pk or is_region_admin(req.user)):
            context["job"] = running
        context["job_label"] = label_for(org_jobs.IMPORT)
    context["units"] = selectors.visible_units(req.user, ADMIN_ROLES).filter(depth__lte=1)[:50]
    return render(request, "org/roster_import.html", context)
