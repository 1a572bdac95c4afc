"""The Excel list of who has not voted yet in a round, for the round's admins.

It holds names only: a Participation row says that someone voted for a unit, and
the list is everyone expected to who has none. Nothing about any ballot's content,
nor the day anyone voted, is read (docs/decisions.md, "Streamed Excel exports").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kaohe.accounts.models import User
from kaohe.core import workbooks
from kaohe.core.http import AuthedRequest
from kaohe.core.workbooks import SheetSpec, export_name, xlsx_download
from kaohe.org.models import Membership
from kaohe.reviews import selectors
from kaohe.reviews.models import ExtraRater, Participation, ReviewRound, RoundState, RoundUnit

VOTING = (RoundUnit.Proposal.NOT_NEEDED, RoundUnit.Proposal.APPROVED)


def non_voter_rows(user: User, round_: ReviewRound) -> Iterator[Sequence[Any]]:
    """Per unit the user administers in the round: the members expected to vote, then
    the approved outside raters, who have not. Two reads in chunks, however many people."""
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
        .order_by("unit__path", "person__staff_no")
        .values_list("unit__code", "unit__name", "person__staff_no", "person__name")
    )
    own = _("Member of the unit")
    for row in members.iterator(chunk_size=workbooks.EXPORT_CHUNK):
        yield (*row, own)
    extras = (
        ExtraRater.objects.filter(
            round_unit__in=units.filter(proposal=RoundUnit.Proposal.APPROVED).values("pk")
        )
        .exclude(
            Exists(
                Participation.objects.filter(
                    round=round_,
                    unit_id=OuterRef("round_unit__unit_id"),
                    rater_id=OuterRef("person_id"),
                )
            )
        )
        .order_by("round_unit__unit__path", "person__staff_no")
        .values_list(
            "round_unit__unit__code",
            "round_unit__unit__name",
            "person__staff_no",
            "person__name",
        )
    )
    outside = _("Outside rater")
    for row in extras.iterator(chunk_size=workbooks.EXPORT_CHUNK):
        yield (*row, outside)


@login_required
@require_GET
def non_voters_export(request: HttpRequest, round_id: int) -> HttpResponseBase:
    """From the round's page: the round's admins only (404 for anyone else), and only
    once voting has opened, when "not voted yet" means something."""
    req = AuthedRequest.of(request)
    round_ = selectors.round_get(req.user, round_id)
    if round_.state == RoundState.DRAFT:
        raise Http404
    sheet = SheetSpec(
        title=_("Not voted yet"),
        header=[_("Unit code"), _("Unit"), _("Staff number"), _("Name"), _("Rates as")],
        rows=non_voter_rows(req.user, round_),
        identifiers=(0, 2),
        widths=(12, 24, 14, 10, 14),
    )
    return xlsx_download(export_name(str(round_), _("not voted yet")), [sheet])
