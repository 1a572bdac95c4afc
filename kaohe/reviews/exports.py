"""The Excel list of who has not voted yet in a round, for the round's admins.

It holds names only: a Participation row says that someone voted for a unit, and
the list is everyone expected to who has none. Nothing about any ballot's content,
nor the day anyone voted, is read (docs/decisions.md, "Streamed Excel exports").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from kaohe.accounts.models import User
from kaohe.core import workbooks
from kaohe.core.http import AuthedRequest
from kaohe.core.workbooks import SheetSpec, export_name
from kaohe.jobs.exports import Export, deliver, export_key, register_export
from kaohe.org.models import Membership
from kaohe.reviews import selectors
from kaohe.reviews.models import ExtraRater, Participation, ReviewRound, RoundState, RoundUnit

VOTING = (RoundUnit.Proposal.NOT_NEEDED, RoundUnit.Proposal.APPROVED)


def _non_voters(
    user: User, round_: ReviewRound
) -> tuple[QuerySet[Membership], QuerySet[ExtraRater]]:
    """Per unit the user administers in the round: the members expected to vote, and
    the approved outside raters, who have not."""
    units = selectors.admin_round_units(user, round_)
    voting = units.filter(proposal__in=VOTING).values("unit_id")
    members = (
        Membership.objects.filter(unit_id__in=voting)
        .on(round_.period_end)
        .in_scope()
        .exclude(
            Exists(
                Participation.objects.filter(
                    round=round_, unit_id=OuterRef("unit_id"), rater_id=OuterRef("person_id")
                )
            )
        )
    )
    extras = ExtraRater.objects.filter(
        round_unit__in=units.filter(proposal=RoundUnit.Proposal.APPROVED).values("pk")
    ).exclude(
        Exists(
            Participation.objects.filter(
                round=round_,
                unit_id=OuterRef("round_unit__unit_id"),
                rater_id=OuterRef("person_id"),
            )
        )
    )
    return members, extras


def non_voter_rows(
    members: QuerySet[Membership], extras: QuerySet[ExtraRater]
) -> Iterator[Sequence[Any]]:
    """The members, then the outside raters: two reads in chunks, however many people."""
    own = _("Member of the unit")
    rows = members.order_by("unit__path", "person__staff_no").values_list(
        "unit__code", "unit__name", "person__staff_no", "person__name"
    )
    for row in rows.iterator(chunk_size=workbooks.EXPORT_CHUNK):
        yield (*row, own)
    outside = _("Outside rater")
    others = extras.order_by("round_unit__unit__path", "person__staff_no").values_list(
        "round_unit__unit__code",
        "round_unit__unit__name",
        "person__staff_no",
        "person__name",
    )
    for row in others.iterator(chunk_size=workbooks.EXPORT_CHUNK):
        yield (*row, outside)


def _non_voters_export(user: User, params: Mapping[str, Any]) -> Export:
    """The round's admins only (404 for anyone else), and only once voting has opened,
    when "not voted yet" means something."""
    round_ = selectors.round_get(user, int(params["round_id"]))
    if round_.state == RoundState.DRAFT:
        raise Http404
    members, extras = _non_voters(user, round_)

    def sheets() -> list[SheetSpec]:
        return [
            SheetSpec(
                title=_("Not voted yet"),
                header=[_("Unit code"), _("Unit"), _("Staff number"), _("Name"), _("Rates as")],
                rows=non_voter_rows(members, extras),
                identifiers=(0, 2),
                widths=(12, 24, 14, 10, 14),
            )
        ]

    return Export(
        filename=export_name(str(round_), _("not voted yet")),
        region_id=round_.region_id,
        # Counted exactly (two counts), before a row is read.
        rows=members.count() + extras.count(),
        sheets=sheets,
    )


NON_VOTERS_EXPORT = "reviews.export.non_voters"
register_export(NON_VOTERS_EXPORT, gettext_lazy("Exporting who has not voted yet"))(
    _non_voters_export
)


@login_required
@require_GET
def non_voters_export(request: HttpRequest, round_id: int) -> HttpResponseBase:
    """From the round's page."""
    req = AuthedRequest.of(request)
    params = {"round_id": round_id}
    return deliver(
        actor=req.user,
        kind=NON_VOTERS_EXPORT,
        # Per person: a unit's admin gets their own units only.
        key=export_key("non_voters", round_id, req.user.pk),
        params=params,
        export=_non_voters_export(req.user, params),
    )
