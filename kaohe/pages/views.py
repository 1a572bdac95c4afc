from __future__ import annotations

from html import escape

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods

from kaohe.core import clock
from kaohe.core.audit_labels import action_choices, action_label, detail_items
from kaohe.core.http import BAD_DAY, AuthedRequest, parse_day
from kaohe.core.models import AuditEvent, Notification
from kaohe.core.services import notifications_mark_read
from kaohe.pages.audit import (
    ADMIN_ACTIONS,
    AUDIT_PAGE_SIZE,
    AuditCursor,
    AuditFilter,
    audit_page,
)
from kaohe.pages.home import home_summary
from kaohe.pages.todo import home_facts, tasks_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    today = clock.today()
    # The user's days, ballots, results, position and head counts: cached per user.
    facts = home_facts(req.user, today)
    summary = home_summary(req.user, today, facts)
    tasks = tasks_for(req.user, today, facts)
    return render(request, "pages/home.html", {"summary": summary, "tasks": tasks})


def _audit_row(event: AuditEvent) -> tuple[str, str, str, str, str, str]:
    """One row of the log as the page shows it, formatted here rather than by template
    filters: fifty rows of `date` and `truncatechars` were most of the page's time."""
    details = "；".join(
        f"{label}：{value if len(value) <= 80 else value[:79] + '…'}"
        for label, value in detail_items(event.details)
    )
    return (
        timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        event.actor_name or "—",
        event.action,
        action_label(event.action),
        event.object_repr,
        details,
    )


# The options and rows are written in Python with the standard library's escape (what
# django.utils.html.escape calls): two template loops were most of the page's time.
def _action_options(actions: list[tuple[str, str]], chosen: str) -> SafeString:
    return mark_safe(  # noqa: S308  (every value escaped)
        "".join(
            f'<option value="{escape(code)}"{" selected" if code == chosen else ""}>'
            f"{escape(label)}</option>"
            for code, label in actions
        )
    )


def _audit_rows(rows: list[tuple[str, str, str, str, str, str]]) -> SafeString:
    return mark_safe(  # noqa: S308  (every value escaped)
        "".join(
            f"<tr><td>{escape(time)}</td><td>{escape(actor)}</td>"
            f'<td title="{escape(code)}">{escape(label)}</td><td>{escape(obj)}</td>'
            f'<td class="muted">{escape(details)}</td></tr>'
            for time, actor, code, label, obj, details in rows
        )
    )


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    errors: list[str] = []
    date_from, ok_from = parse_day(request.GET.get("date_from"), None)
    date_to, ok_to = parse_day(request.GET.get("date_to"), None)
    if not (ok_from and ok_to):
        errors.append(str(BAD_DAY))
    flt = AuditFilter(
        action=request.GET.get("action", "").strip(),
        actor=request.GET.get("actor", "").strip(),
        date_from=date_from,
        date_to=date_to,
    )
    before = AuditCursor.parse(request.GET.get("before"))
    after = None if before else AuditCursor.parse(request.GET.get("after"))
    page = audit_page(req.user, flt, before=before, after=after)
    # The links keep the filter and replace the cursor.
    query = request.GET.copy()
    for key in ("before", "after", "page"):
        query.pop(key, None)

    def link(**cursor: str) -> str:
        q = query.copy()
        q.update(cursor)
        return "?" + q.urlencode()

    paged = before is not None or after is not None
    return render(
        request,
        "pages/audit_log.html",
        {
            "filter": flt,
            # Codes stay the filter's values; people read the labels.
            "action_options": _action_options(action_choices(ADMIN_ACTIONS), flt.action),
            "rows": _audit_rows([_audit_row(e) for e in page.events]),
            "events": page.events,
            "errors": errors,
            "page_size": AUDIT_PAGE_SIZE,
            "older_url": link(before=page.older.token()) if page.older else "",
            "newer_url": link(after=page.newer.token()) if page.newer else "",
            "newest_url": link() if paged else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def notifications_page(request: HttpRequest) -> HttpResponse:
    """The user's own notifications, newest first; POST marks them all read."""
    req = AuthedRequest.of(request)
    if request.method == "POST":
        notifications_mark_read(user=req.user)
        return redirect("notifications")
    items = Notification.objects.filter(user=req.user).order_by("-created_at", "-id")[:50]
    return render(request, "pages/notifications.html", {"items": items})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused for its CSRF token: our 403 page says what to do, in Chinese."""
    return render(request, "403.html", {"csrf_failed": True}, status=403)
