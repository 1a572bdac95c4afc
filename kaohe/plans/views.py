from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
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
    steps, each a handful of tags in the template)."""
    done, go_there = _("Done"), _("Go there")
    cards = []
    for p in periods:
        steps = []
        for s in p.steps:
            name = format_html('<a href="{}">{}</a>', s.url, s.name) if s.url else s.name
            detail = format_html('<div class="muted step-detail">{}</div>', s.detail)
            blockers = format_html_join(
                "",
                '<li class="msg-warning">{}{}</li>',
                (
                    (b.text, format_html(' <a href="{}">{}</a>', b.url, go_there) if b.url else "")
                    for b in s.blockers
                ),
            )
            steps.append(
                format_html(
                    '<li class="plan-step step-{}"><span class="step-name">{}</span> '
                    '<span class="badge step-state">{}</span>{}{}</li>',
                    s.state,
                    name,
                    s.state_label,
                    detail if s.detail else "",
                    format_html('<ul class="blockers">{}</ul>', blockers) if s.blockers else "",
                )
            )
        cards.append(
            format_html(
                '<section class="card plan-period" id="plan-{}" aria-labelledby="plan-{}-title">'
                '<h2 id="plan-{}-title">{}{}</h2><ol class="plan-steps">{}</ol></section>',
                p.key,
                p.key,
                p.key,
                p.label,
                format_html(' <span class="badge">{}</span>', done) if p.done else "",
                mark_safe("\n".join(steps)),  # noqa: S308  # each step escaped by format_html
            )
        )
    return mark_safe("\n".join(cards))  # noqa: S308  # each card escaped by format_html


def _unit_rows_html(rows: list[selectors.UnitRow]) -> SafeString:
    """The progress table's body, built here: with template tags its 50 rows were most
    of the page's rendering."""
    if not rows:
        return format_html('<tr><td colspan="5" class="muted">{}</td></tr>', _("No units."))
    proposed, not_yet, received = _("Proposed"), _("Not yet"), _("Received")
    return format_html_join(
        "\n",
        '<tr><td>{}</td><td>{}</td><td><a href="{}" class="entry-{}">{}</a></td>'
        "<td>{}</td><td>{}</td></tr>",
        (
            (
                r.name,
                r.ballots,
                r.entry_url,
                r.entry,
                r.entry_label,
                "—" if r.proposed is None else proposed if r.proposed else not_yet,
                received if r.annual else not_yet,
            )
            for r in rows
        ),
    )
