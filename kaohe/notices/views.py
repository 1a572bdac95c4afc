from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, show_refusal
from kaohe.notices import reminders, selectors, services
from kaohe.notices.models import DeliveryState, ReminderKind
from kaohe.reviews.selectors import round_get


@login_required
def deliveries_page(request: HttpRequest) -> HttpResponse:
    """The region office's outside deliveries: failures first, each with a retry."""
    req = AuthedRequest.of(request)
    page = Paginator(selectors.deliveries_visible(req.user), 50).get_page(request.GET.get("page"))
    counts = selectors.delivery_counts(req.user)
    state_counts = [(value, label, counts.get(value, 0)) for value, label in DeliveryState.choices]
    return render(request, "notices/deliveries.html", {"page": page, "state_counts": state_counts})


@login_required
@require_POST
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    delivery = selectors.delivery_get(req.user, delivery_id)
    try:
        result = services.delivery_retry(actor=req.user, delivery=delivery)
    except ApplicationError as exc:
        show_refusal(request, exc)
    else:
        if result.state == DeliveryState.SENT:
            messages.success(request, _("The message was sent."))
        else:
            messages.error(
                request,
                _("Sending failed again: %(error)s. Check the channel's settings.")
                % {"error": result.last_error},
            )
    return redirect("notices:deliveries")


def _base(request: HttpRequest) -> str:
    """htmx loads the button into the page; a plain visit gets it as a page."""
    return "notices/_bare.html" if request.headers.get("HX-Request") else "base.html"


def _reminder_result(request: HttpRequest, reminded: int, already: int) -> None:
    messages.success(
        request,
        ngettext(
            "%(n)s person was reminded; %(m)s had already been reminded today.",
            "%(n)s people were reminded; %(m)s had already been reminded today.",
            reminded,
        )
        % {"n": reminded, "m": already},
    )


@login_required
@require_http_methods(["GET", "POST"])
def remind_logs(request: HttpRequest) -> HttpResponse:
    """GET: the button (loaded into the compliance page), saying how many it reaches.
    POST: remind everyone in the admin's units who has not written today's log."""
    req = AuthedRequest.of(request)
    today = clock.today()
    people = reminders.log_reminder_people(req.user, today)
    if request.method == "POST":
        reminded, already = services.reminders_send(
            actor=req.user,
            kind=ReminderKind.LOG,
            person_ids=people,
            day=today,
            text=_("Please write today's work log (%(day)s).") % {"day": today.isoformat()},
            url=reverse("worklogs:today"),
            channel_text=lambda n: (
                _("Reminder: %(n)s people have not written today's work log yet.") % {"n": n}
            ),
        )
        _reminder_result(request, reminded, already)
        return redirect("worklogs:compliance")
    return render(
        request,
        "notices/_remind.html",
        {
            "plan": reminders.plan(people, ReminderKind.LOG, today),
            "action": reverse("notices:remind_logs"),
            "what": "log",
            "base": _base(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def remind_votes(request: HttpRequest, round_id: int) -> HttpResponse:
    """The same for an open round: everyone in the admin's units who has not voted."""
    req = AuthedRequest.of(request)
    round_ = round_get(req.user, round_id)
    today = clock.today()
    people = reminders.vote_reminder_people(req.user, round_)
    if request.method == "POST":
        reminded, already = services.reminders_send(
            actor=req.user,
            kind=ReminderKind.VOTE,
            person_ids=people,
            day=today,
            text=_("Please cast your ballot in %(round)s; voting ends on %(day)s.")
            % {"round": round_, "day": round_.ends_on.isoformat()},
            url=reverse("reviews:mine"),
            channel_text=lambda n: (
                _("Reminder: %(n)s people have not voted in %(round)s yet.")
                % {"n": n, "round": round_}
            ),
        )
        _reminder_result(request, reminded, already)
        return redirect("reviews:round", round_.pk)
    return render(
        request,
        "notices/_remind.html",
        {
            "plan": reminders.plan(people, ReminderKind.VOTE, today),
            "action": reverse("notices:remind_votes", args=[round_.pk]),
            "what": "vote",
            "base": _base(request),
        },
    )
