from __future__ import annotations

import html

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kaohe.core import clock
from kaohe.core.http import AuthedRequest, parse_id
from kaohe.plans import selectors


@login_required
def plan_page(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """考核日历: the year's periods, their steps and what blocks them; progress per unit."""
    req = AuthedRequest.of(request)
    today = clock.today()
    year = year or today.year
    if not 2000 <= year <= 2099:
        raise Http404
    asked = request.GET.get("quarter", "")
    if asked and asked not in ("1", "2", "3", "4"):
        raise Http404
    page = parse_id(request.GET.get("page")) or 1
    plan = selectors.year_plan(req.user, year, int(asked) if asked else None, page)
    return render(
        request,
        "plans/plan.html",
        {
            "plan": plan,
            "periods": _periods_html(plan.periods),
            "rows": _unit_rows_html(plan.rows),
            "years": [year - 1, year + 1],
            "quarters": [1, 2, 3, 4],
        },
    )


def _periods_html(periods: list[selectors.PeriodPlan]) -> SafeString:
    """Each period's card with its steps, built here like the table below (some thirty
    steps, each a handful of tags in the template). Written with the standard library's
    escape (what django.utils.html.escape calls, without its lazy-string wrapper) and
    f-strings: format_html per step and blocker was most of the page's own time in a
    city. Every text is escaped; the markup is what format_html produced."""
    esc = html.escape
    done, go_there = esc(_("Done")), esc(_("Go there"))
    cards = []
    for p in periods:
        steps = []
        for s in p.steps:
            name = f'<a href="{esc(s.url)}">{esc(s.name)}</a>' if s.url else esc(s.name)
            detail = f'<div class="muted step-detail">{esc(s.detail)}</div>' if s.detail else ""
            blockers = (
                '<ul class="blockers">'
                + "".join(
                    f'<li class="msg-warning">{esc(b.text)}'
                    + (f' <a href="{esc(b.url)}">{go_there}</a>' if b.url else "")
                    + "</li>"
                    for b in s.blockers
                )
                + "</ul>"
                if s.blockers
                else ""
            )
            steps.append(
                f'<li class="plan-step step-{esc(s.state)}"><span class="step-name">{name}</span> '
                f'<span class="badge step-state">{esc(s.state_label)}</span>{detail}{blockers}</li>'
            )
        key, body = esc(p.key), "\n".join(steps)
        badge = f' <span class="badge">{done}</span>' if p.done else ""
        cards.append(
            f'<section class="card plan-period" id="plan-{key}" aria-labelledby="plan-{key}-title">'
            f'<h2 id="plan-{key}-title">{esc(p.label)}{badge}</h2>'
            f'<ol class="plan-steps">{body}</ol></section>'
        )
    return mark_safe("\n".join(cards))  # noqa: S308  # every text escaped above


def _unit_rows_html(rows: list[selectors.UnitRow]) -> SafeString:
    """The progress table's body, built here: with template tags its 50 rows were most
    of the page's rendering (escaped as `_periods_html` is)."""
    if not rows:
        return format_html('<tr><td colspan="5" class="muted">{}</td></tr>', _("No units."))
    esc = html.escape
    proposed, not_yet, received = esc(_("Proposed")), esc(_("Not yet")), esc(_("Received"))
    return mark_safe(  # noqa: S308  # every text escaped
        "\n".join(
            f"<tr><td>{esc(r.name)}</td><td>{esc(r.ballots)}</td>"
            f'<td><a href="{esc(r.entry_url)}" class="entry-{esc(r.entry)}">'
            f"{esc(r.entry_label)}</a></td>"
            f"<td>{'—' if r.proposed is None else proposed if r.proposed else not_yet}</td>"
            f"<td>{received if r.annual else not_yet}</td></tr>"
            for r in rows
        )
    )
