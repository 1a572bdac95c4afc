from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
from kaohe.core.http import AuthedRequest, parse_day, problems_of
from kaohe.jobs.registry import label_for
from kaohe.jobs.selectors import active_job
from kaohe.jobs.services import job_start
from kaohe.org.models import Dimension, Person, Region
from kaohe.reviews import jobs, selectors, services
from kaohe.reviews.models import RaterGroup, RoundState, RoundUnit


@login_required
def my_ballots_page(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    return render(
        request,
        "reviews/my_ballots.html",
        {"ballots": selectors.my_ballots(req.user), "can_admin": can_manage_roster(req.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def ballot_page(request: HttpRequest, round_unit_id: int) -> HttpResponse:
    """Fill in, check, confirm. "Submit" first has the server check the whole ballot;
    only a ballot it would accept reaches the "submitted once, no changes" step, whose
    button submits it (checked again). A refusal marks each field it concerns."""
    req = AuthedRequest.of(request)
    round_unit, sheet = selectors.my_round_unit(req.user, round_unit_id)
    values: dict[str, object] = dict(selectors.my_draft(req.user, round_unit))
    refusal: ApplicationError | None = None
    check: services.BallotCheck | None = None
    if request.method == "POST":
        values = {key: request.POST.get(f"score_{key}", "") for _p, _d, key in sheet.entries()}
        action = request.POST.get("action")
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
    fields: dict[str, str] = dict(refusal.extra.get("fields") or {}) if refusal else {}
    labels = dict(Dimension.choices)
    cells: dict[int, list[BallotCell]] = {}
    for person, dimension, key in sheet.entries():
        label = str(labels[dimension]) if dimension else ""
        cells.setdefault(person.pk, []).append(
            BallotCell(
                dimension=dimension,
                label=label,
                key=key,
                value=values.get(key, ""),
                error=fields.get(key, ""),
                error_id="err-" + key.replace(":", "-"),
            )
        )
    general: list[str] = []
    if refusal is not None:
        general = list(refusal.extra.get("general") or ([] if fields else [refusal.message]))
    return render(
        request,
        "reviews/ballot.html",
        {
            "round_unit": round_unit,
            "sheet": sheet,
            "rows": [(p, cells[p.pk]) for p in sheet.targets],
            "dimensions": [(d, Dimension(d).label) for d in sheet.dimensions if d],
            "submitted": selectors.has_voted(req.user, round_unit),
            "problem_count": len(problems_of(refusal)) if refusal else 0,
            "has_field_errors": bool(fields),
            "general_problems": general,
            "check": check,
            "high_counts": [(Dimension(d).label if d else "", n) for d, n in check.high.items()]
            if check
            else [],
            # Said before the rater fills the ballot in, not only when it is refused.
            "voting_days_problem": services.voting_days_problem(round_unit.round),
        },
    )


@dataclass(frozen=True)
class BallotCell:
    """One score of the ballot as the page shows it, with what is wrong with it."""

    dimension: str
    label: str
    key: str
    value: object
    error: str
    error_id: str


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
                messages.error(request, exc.message)
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
                    raise ApplicationError(_("Enter the new end of voting as a date."))
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
            messages.error(request, exc.message)
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
            "events": round_.events.select_related("actor"),
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
                        _("Staff numbers not found: %(list)s") % {"list": "、".join(unknown)}
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
            messages.error(request, exc.message)
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
