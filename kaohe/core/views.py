from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kaohe.core.audit_labels import action_label, detail_items
from kaohe.core.http import BAD_DAY, AuthedRequest, parse_day
from kaohe.core.models import Notification
from kaohe.core.selectors import AuditFilter, audit_actions, audit_events
from kaohe.core.services import notifications_mark_read


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
        object_type=request.GET.get("object_type", "").strip(),
        date_from=date_from,
        date_to=date_to,
    )
    page = Paginator(audit_events(req.user, flt), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {
            "page": page,
            "filter": flt,
            # Codes stay the filter's values (a prefix filter); people read the labels.
            "actions": sorted(
                ((a, action_label(a)) for a in audit_actions(req.user)), key=lambda a: a[1]
            ),
            "rows": [(e, action_label(e.action), detail_items(e.details)) for e in page],
            "errors": errors,
            "query": query.urlencode(),
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
    return render(request, "core/notifications.html", {"items": items})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused for its CSRF token: our 403 page says what to do, in Chinese."""
    return render(request, "403.html", {"csrf_failed": True}, status=403)
