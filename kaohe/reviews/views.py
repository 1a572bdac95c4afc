from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kaohe.accounts.access import (
    can_manage_roster,
    is_region_admin,
    region_id_of,
    require_region_admin,
)
from kaohe.core import clock
from kaohe.core.errors import ApplicationError
from kaohe.core.http import AuthedRequest, Refusal, parse_day, show_refusal
from kaohe.jobs.registry import label_for
from kaohe.jobs.selectors import active_job
from kaohe.jobs.services import job_start
from kaohe.org.models import Dimension, Person, Region
from kaohe.reviews import jobs, selectors, services
from kaohe.reviews.errors import ReviewErrorCode
from kaohe.reviews.models import RaterGroup, RoundState, RoundUnit
from kaohe.reviews.policies import BallotSheet


@login_required
def my_ballots_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    ballot_url = url_pattern("reviews:ballot")
    return render(
        request,
        "reviews/my_ballots.html",
        {
            "ballots": [(b, ballot_url % b.round_unit_id) for b in selectors.my_ballots(req.user)],
            "can_admin": can_manage_roster(req.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ballot_page(request: HttpRequest, round_unit_id: int) -> HttpResponse:
    """Fill in, check, confirm. "Submit" first has the server check the whole ballot;
    only a ballot it would accept reaches the "submitted once, no changes" step, whose
    button submits it (checked again). A refusal marks each field it concerns."""
    req = AuthedRequest.of(request)
    if request.method != "POST":
        # Opening the ballot reads the user's cached ballots (selectors.open_ballots),
        # and the sealed draft only when there is one.
        ballot = selectors.my_open_ballot(req.user, round_unit_id)
        values: dict[str, object] = (
            dict(selectors.draft_values(req.user, ballot.round_id, ballot.unit_id))
            if ballot.has_draft and not ballot.submitted
            else {}
        )
        return _ballot_render(request, ballot, values, None, None)
    # Every write is checked against the database, not the cache.
    round_unit, sheet = selectors.my_round_unit(req.user, round_unit_id)
    values = {key: request.POST.get(f"score_{key}", "") for _p, _d, key in sheet.entries()}
    action = request.POST.get("action")
    refusal: ApplicationError | None = None
    check: services.BallotCheck | None = None
    try:
        if action == "submit":
            services.ballot_submit(actor=req.user, round_unit=round_unit, values=values)
            messages.success(request, _("Your ballot is submitted. Thank you."))
            return redirect("reviews:mine")
        if action == "check":
            check = services.ballot_check(actor=req.user, round_unit=round_unit, values=values)
        elif action == "save":
            services.ballot_save_draft(actor=req.user, round_unit=round_unit, values=values)
            messages.success(request, _("Draft saved. Submit it before voting ends."))
            return redirect("reviews:ballot", round_unit_id=round_unit.pk)
        # "edit" (back from the confirmation): the form again, as typed.
    except ApplicationError as exc:
        refusal = exc
    ballot = selectors.open_ballot_of(
        round_unit,
        sheet,
        submitted=selectors.has_voted(req.user, round_unit),
        has_draft=False,
    )
    return _ballot_render(request, ballot, values, refusal, check)


def _ballot_render(
    request: HttpRequest,
    ballot: selectors.OpenBallot,
    values: Mapping[str, object],
    refusal: ApplicationError | None,
    check: services.BallotCheck | None,
) -> HttpResponse:
    fields: dict[str, str] = dict(refusal.extra.get("fields") or {}) if refusal else {}
    general: list[str] = []
    if refusal is not None:
        # The ballot marks each field's problem beside it; what belongs to no field is
        # listed above the form as every page lists a refusal (Refusal: summary, problems).
        shown = Refusal.of(refusal)
        whole = ([shown.summary] if shown.summary else []) + shown.problems
        general = list(refusal.extra.get("general") or ([] if fields else whole))
    dimensions = [(d, Dimension(d).label) for d in ballot.dimensions if d]
    context: dict[str, object] = {
        "ballot": ballot,
        "dimensions": dimensions,
        "submitted": ballot.submitted,
        "problem_count": len(refusal.problems) if refusal else 0,
        "has_field_errors": bool(fields),
        "general_problems": general,
        "check": check,
        # Said before the rater fills the ballot in, not only when it is refused.
        "voting_days_problem": services.voting_days_problem_between(
            ballot.starts_on, ballot.ends_on
        ),
    }
    if ballot.submitted:
        pass
    elif check is not None:
        context["confirm_rows"] = [
            (p.name, [values.get(key, "") for _d, key in _keys(p.pk, ballot.dimensions)])
            for p in ballot.targets
        ]
        context["hidden"] = [(key, values.get(key, "")) for _p, _d, key in ballot.entries()]
        context["high_counts"] = [
            (Dimension(d).label if d else "", n) for d, n in check.high.items()
        ]
    else:
        context["form_rows"] = _ballot_rows_html(ballot, values, fields)
    return render(request, "reviews/ballot.html", context)


def _keys(person_id: int, dimensions: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(d, BallotSheet.key(person_id, d)) for d in dimensions]


def _ballot_rows_html(
    ballot: selectors.OpenBallot, values: Mapping[str, object], fields: Mapping[str, str]
) -> SafeString:
    """The form's rows, built here rather than in the template: a URL lookup and a
    dozen attribute lookups per score made rendering most of the page's time. The
    markup is the template's (one table row per person, or with 德能勤绩廉 a fieldset
    per person with the five aspects side by side, so a phone never scrolls sideways)."""
    record_url = url_pattern("reviews:record", ballot.round_unit_id)
    labels = {d: str(label) for d, label in Dimension.choices}
    bounds = f'min="{ballot.score_min}" max="{ballot.score_max}" step="1"'
    aspects = any(ballot.dimensions)
    out: list[str] = []
    for person in ballot.targets:
        name = escape(person.name)
        link = f'<a href="{record_url % person.pk}">{name}</a>'
        cells = []
        for dimension, key in _keys(person.pk, ballot.dimensions):
            label = escape(labels[dimension]) if dimension else ""
            value = values.get(key, "")
            error = fields.get(key, "")
            error_id = "err-" + key.replace(":", "-")
            aria = f"{name} {label}" if dimension else name
            field = (
                f'<input type="number" inputmode="numeric" name="score_{key}"'
                f' value="{escape(value)}" {bounds} aria-label="{aria}" class="score"'
                f' data-dim="{dimension}"'
                + (f' aria-invalid="true" aria-describedby="{error_id}">' if error else ">")
                + (
                    f'<span class="field-error" id="{error_id}">{escape(error)}</span>'
                    if error
                    else ""
                )
            )
            cells.append(f"<label>{label}{field}</label>" if aspects else f"<td>{field}</td>")
        if aspects:
            out.append(
                f'<fieldset class="card"><legend>{link}</legend>'
                f'<div class="aspects">{"".join(cells)}</div></fieldset>'
            )
        else:
            out.append(f"<tr><td>{link}</td>{''.join(cells)}</tr>")
    return mark_safe("\n".join(out))  # noqa: S308  (every value above is escaped)


def url_pattern(name: str, *args: int) -> str:
    """The URL of `name` for any last id, as a %-format (`pattern % pk`): reverse() per
    row was a large part of rendering a list (as org.views.url_pattern)."""
    return reverse(name, args=[*args, _STAND_IN]).replace(str(_STAND_IN), "%d")


_STAND_IN = 987654321


@login_required
def target_record_page(request: HttpRequest, round_unit_id: int, person_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    round_unit, sheet = selectors.my_round_unit(req.user, round_unit_id)
    person, logs, summaries = selectors.target_record(sheet, person_id)
    return render(
        request,
        "reviews/target_record.html",
        {"round_unit": round_unit, "person": person, "logs": logs, "summaries": summaries},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rounds_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    if not can_manage_roster(req.user):
        raise Http404
    if request.method == "POST":
        if not is_region_admin(req.user):
            raise Http404
        try:
            year = int(request.POST.get("year", ""))
            number = (
                1
                if request.POST.get("cadence") == "annual"
                else int(request.POST.get("number", ""))
            )
            starts_on = dt.date.fromisoformat(request.POST.get("starts_on", ""))
            ends_on = dt.date.fromisoformat(request.POST.get("ends_on", ""))
        except ValueError:
            messages.error(request, _("Fill in the year, the quarter and both dates (YYYY-MM-DD)."))
        else:
            try:
                round_ = services.round_create(
                    actor=req.user,
                    region=Region.objects.get(pk=region_id_of(req.user)),
                    year=year,
                    number=number,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    cadence=request.POST.get("cadence", "quarterly"),
                )
            except ApplicationError as exc:
                show_refusal(request, exc)
            else:
                return redirect("reviews:round", round_id=round_.pk)
    today = clock.today()
    return render(
        request,
        "reviews/rounds.html",
        {
            "rounds": selectors.rounds_visible(req.user),
            "can_create": is_region_admin(req.user),
            "today": today,
            "default_quarter": (today.month - 1) // 3 + 1,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    round_ = selectors.round_get(req.user, round_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "open":
                services.round_open(actor=req.user, round_=round_)
            elif action == "close":
                # Opening every box is long at city scale: a background job, shown on
                # its page; the round page shows it too until it ends. Only the office
                # starts it: a unit admin sees this page but may not queue jobs on it.
                require_region_admin(req.user, round_.region_id)
                started = job_start(
                    actor=req.user,
                    region=round_.region,
                    kind=jobs.CLOSE,
                    key=jobs.round_key(round_.pk),
                    params={"round_id": round_.pk},
                )
                return redirect("jobs:job", job_id=started.pk)
            elif action == "publish":
                services.round_publish(actor=req.user, round_=round_)
            elif action == "reopen":
                services.round_reopen(
                    actor=req.user, round_=round_, reason=request.POST.get("reason", "")
                )
            elif action == "extend":
                ends_on, ok = parse_day(request.POST.get("ends_on"), None)
                if not ok or ends_on is None:
                    raise ApplicationError(
                        _("Enter the new end of voting as a date."), code=ReviewErrorCode.BAD_DATE
                    )
                services.round_extend(
                    actor=req.user,
                    round_=round_,
                    ends_on=ends_on,
                    reason=request.POST.get("extend_reason", ""),
                )
                messages.success(
                    request, _("Voting now ends on %(day)s.") % {"day": ends_on.isoformat()}
                )
            else:
                raise Http404
        except ApplicationError as exc:
            show_refusal(request, exc)
        return redirect("reviews:round", round_id=round_.pk)
    units = selectors.progress(req.user, round_)
    job = active_job(round_.region_id, jobs.round_key(round_.pk))
    expected = sum(u.expected for u in units)
    voted = sum(u.voted for u in units)
    return render(
        request,
        "reviews/round.html",
        {
            "round": round_,
            "units": units,
            "expected": expected,
            "voted": voted,
            "percent": round(100 * voted / expected) if expected else 0,
            "is_region_admin": is_region_admin(req.user),
            "events": selectors.round_history(round_),
            "reopen_blockers": services.round_reopen_blockers(round_)
            if round_.state in (RoundState.CLOSED, RoundState.PUBLISHED)
            else [],
            "voting_over": round_.state == RoundState.OPEN and clock.today() > round_.ends_on,
            "states": RoundState,
            "proposal": RoundUnit.Proposal,
            "job": job,
            "job_label": label_for(jobs.CLOSE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def raters_page(request: HttpRequest, round_id: int, unit_id: int) -> HttpResponse:
    """Propose outside raters for a small unit, or decide on a proposal; and the preview."""
    req = AuthedRequest.of(request)
    round_ = selectors.round_get(req.user, round_id)
    round_unit = selectors.round_unit_get(req.user, round_, unit_id)
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "propose":
                numbers = [
                    n.strip() for n in request.POST.get("staff_nos", "").split() if n.strip()
                ]
                people = list(
                    Person.objects.filter(region_id=round_.region_id, staff_no__in=numbers)
                )
                unknown = sorted(set(numbers) - {p.staff_no for p in people})
                if unknown:
                    raise ApplicationError(
                        _("Staff numbers not found: %(list)s") % {"list": "、".join(unknown)},
                        code=ReviewErrorCode.STAFF_NOS_UNKNOWN,
                    )
                services.extra_raters_propose(
                    actor=req.user,
                    round_unit=round_unit,
                    people=people,
                    note=request.POST.get("note", ""),
                )
            elif action in ("approve", "reject"):
                services.extra_raters_decide(
                    actor=req.user,
                    round_unit=round_unit,
                    approve=action == "approve",
                    note=request.POST.get("note", ""),
                )
            else:
                raise Http404
        except ApplicationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("Saved."))
        return redirect("reviews:raters", round_id=round_.pk, unit_id=unit_id)
    return render(
        request,
        "reviews/raters.html",
        {
            "round": round_,
            "round_unit": round_unit,
            "extras": round_unit.extra_raters.select_related("person"),
            "preview": selectors.preview(req.user, round_, round_unit),
            "groups": list(RaterGroup),
            "proposal": RoundUnit.Proposal,
        },
    )


@login_required
def results_page(request: HttpRequest, round_id: int, unit_id: int) -> HttpResponse:
    req = AuthedRequest.of(request)
    round_ = selectors.round_get(req.user, round_id)
    round_unit = selectors.round_unit_get(req.user, round_, unit_id)
    shown = selectors.results(req.user, round_, round_unit)
    return render(
        request,
        "reviews/results.html",
        {
            "round": round_,
            "round_unit": round_unit,
            "results": shown,
            "labels": [label for _v, label in RaterGroup.choices],
            "dimensions": [Dimension(d).label for d in round_.dimensions if d],
        },
    )
