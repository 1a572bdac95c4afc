"""Writes of the due-process domain: keyword-only, the actor first, atomic, audited.
Each part keeps its services in its own block below."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kaohe.accounts.home_cache import home_forget_person, home_forget_region
from kaohe.accounts.models import User
from kaohe.core import clock as today_clock
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.text import clean_text
from kaohe.dueprocess.clocks import calendar_deadline, region_calendar_around
from kaohe.dueprocess.errors import DueProcessErrorCode
from kaohe.dueprocess.models import Notice
from kaohe.dueprocess.policies import policy_for
from kaohe.dueprocess.selectors import day_text
from kaohe.notices.services import notify
from kaohe.outcomes.models import YearRecord
from kaohe.scoring.explain import explain
from kaohe.scoring.models import AnnualResult, AnnualRun, AnnualStep

# --- notice part: the written notice (书面通知) and the cadre's 本人意见 ---------------

_NOTICE_BATCH = 2000
OPINION_MAX = 2000


class _Catalogue:
    """A run's explanation lines parsed once each (a city's 300,000 results name some
    tens of thousands of distinct lines), read in one query."""

    def __init__(self, run_id: int) -> None:
        self.texts = dict(
            AnnualStep.objects.filter(run_id=run_id).values_list("number", "step").iterator()
        )
        self.parsed: dict[int, Any] = {}

    def steps(self, numbers: str) -> list[Any]:
        out = []
        for raw in numbers.split(","):
            n = int(raw)
            step = self.parsed.get(n)
            if step is None:
                step = self.parsed[n] = json.loads(self.texts[n])
            out.append(step)
        return out


def _explanation(steps: list[Any]) -> str:
    """The results page's explanation, kept short: its headline then its lines."""
    headline, lines = explain(steps)
    return "\n".join([headline, *lines])


@transaction.atomic
def notices_issue(*, actor: User | None, run: AnnualRun) -> int:
    """A written notice per archived cadre of the published `run` (the receiver of
    scoring's year_published, after outcomes has archived the year): the grade, score
    and explanation as notified, the sign-by day and the rights' last days on the
    region's calendar. The notices of an earlier publish of the year are superseded by
    the new ones (their text kept). A fixed number of queries whatever the run's size
    (the inserts in batches). Returns how many were issued."""
    region_id = run.region_id
    issued_on = today_clock.today()
    policy = policy_for(region_id)
    cal = region_calendar_around(region_id, issued_on)
    sign_due = calendar_deadline(cal, issued_on, policy.notice_sign_days)
    review_due = calendar_deadline(cal, issued_on, policy.review_request_days)
    direct_due = (
        calendar_deadline(cal, issued_on, policy.appeal_direct_days)
        if policy.appeal_direct_allowed
        else None
    )
    records = dict(
        YearRecord.objects.filter(region_id=region_id, year=run.year)
        .order_by()
        .values_list("person_id", "pk")
        .iterator()
    )
    catalogue = _Catalogue(run.pk)
    notices = []
    # The explanation in the region's language whatever the publishing request's (or
    # a background job's, which has none).
    with translation.override(settings.LANGUAGE_CODE):
        for person_id, unit_id, grade, composite, steps, numbers in (
            AnnualResult.objects.filter(run=run)
            .order_by("pk")
            .values_list("person_id", "unit_id", "grade", "composite", "steps", "step_numbers")
            .iterator()
        ):
            record_id = records.get(person_id)
            if record_id is None:
                continue  # not archived: no notice to base on it
            notices.append(
                Notice(
                    region_id=region_id,
                    person_id=person_id,
                    unit_id=unit_id,
                    year=run.year,
                    record_id=record_id,
                    grade=grade,
                    composite=composite,
                    explanation=_explanation(catalogue.steps(numbers) if numbers else steps),
                    issued_on=issued_on,
                    sign_due_on=sign_due,
                    review_due_on=review_due,
                    appeal_direct_due_on=direct_due,
                )
            )
    # The year's notices so far (a republish): the newest id before the new ones.
    last_old = Notice.objects.filter(region_id=region_id, year=run.year).aggregate(last=Max("pk"))[
        "last"
    ]
    Notice.objects.bulk_create(notices, batch_size=_NOTICE_BATCH)
    superseded = 0
    if last_old is not None:
        # Each earlier current notice points at the person's new one: one UPDATE, its
        # subqueries by the (person, year) index (a first publish skips it).
        newest = (
            Notice.objects.filter(person_id=OuterRef("person_id"), year=run.year, pk__gt=last_old)
            .order_by("-pk")
            .values("pk")[:1]
        )
        superseded = (
            Notice.objects.filter(
                region_id=region_id, year=run.year, superseded_by__isnull=True, pk__lte=last_old
            )
            .filter(Exists(newest))
            .update(superseded_by=Subquery(newest))
        )
    notify(
        users=User.objects.filter(
            person_id__in=AnnualResult.objects.filter(run=run).values("person_id")
        ),
        text=_(
            "Your written notice of the annual result of %(year)s is issued: please read it "
            "and sign it before %(day)s."
        )
        % {"year": run.year, "day": day_text(sign_due)},
        url=reverse("dueprocess:notice_mine"),
        kind="notice_issued",
    )
    home_forget_region(region_id)
    audit_record(
        actor=actor,
        action=AuditAction.DUEPROCESS_NOTICE_ISSUE,
        obj=run,
        region=run.region,
        details={"year": run.year, "issued": len(notices), "replaced": superseded},
    )
    return len(notices)


@transaction.atomic
def notice_sign(*, actor: User, notice: Notice, agrees: bool, opinion: str) -> Notice:
    """The cadre signs their notice with 本人意见: agrees, or disagrees with a text. Once
    signed it stays signed; a superseded notice is not signed (the newer one is)."""
    # The row locked and read again: two tabs signing at once sign once.
    locked = (
        Notice.objects.select_for_update(of=("self",)).select_related("region").get(pk=notice.pk)
    )
    if actor.person_id is None or locked.person_id != actor.person_id:
        raise ApplicationError(
            _("Only the cadre the notice is addressed to may sign it."),
            code=DueProcessErrorCode.NOTICE_NOT_YOURS,
        )
    if locked.signed_at is not None:
        raise ApplicationError(
            _("This notice was signed on %(day)s; it cannot be signed again.")
            % {"day": day_text(timezone.localdate(locked.signed_at))},
            code=DueProcessErrorCode.NOTICE_ALREADY_SIGNED,
        )
    if locked.superseded_by_id is not None:
        raise ApplicationError(
            _("This notice was replaced by a newer one: sign the newer notice."),
            code=DueProcessErrorCode.NOTICE_SUPERSEDED,
        )
    text = clean_text(opinion).strip()
    if not agrees and not text:
        raise ApplicationError(
            _("Write your opinion: why you do not agree with the result."),
            code=DueProcessErrorCode.TEXT_REQUIRED,
        )
    if len(text) > OPINION_MAX:
        raise ApplicationError(
            _("The opinion is too long: at most %(n)s characters.") % {"n": OPINION_MAX},
            code=DueProcessErrorCode.NOTICE_OPINION_TOO_LONG,
        )
    locked.signed_at = timezone.now()
    locked.agrees = agrees
    locked.opinion = text
    locked.save(update_fields=["signed_at", "agrees", "opinion"])
    home_forget_person(locked.person_id)
    audit_record(
        actor=actor,
        action=AuditAction.DUEPROCESS_NOTICE_SIGN,
        obj=locked,
        region=locked.region,
        details={"year": locked.year, "agrees": agrees},
    )
    return locked
