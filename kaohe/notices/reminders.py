"""Who an admin's one-click reminder reaches, read from the domain apps' scoped
selectors. Like `daily` and the views, this module sits above the domain apps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404

from kaohe.accounts.access import ADMIN_ROLES, scope_of
from kaohe.accounts.models import User
from kaohe.notices.models import Reminder
from kaohe.reviews.models import ReviewRound, RoundState
from kaohe.reviews.selectors import progress
from kaohe.worklogs.selectors import not_written_today


@dataclass(frozen=True)
class ReminderPlan:
    """The people a reminder is for, and how many of them it would reach now."""

    person_ids: list[int]
    to_remind: int  # with an account, not yet reminded of this today
    already: int  # reminded of this today already
    no_account: int  # nothing in kaohe reaches them


def _require_admin(user: User) -> None:
    if scope_of(user, ADMIN_ROLES).is_empty:
        raise Http404


def log_reminder_people(user: User, today: dt.date) -> list[int]:
    """Who in the admin's units owes today's log and has not written it."""
    _require_admin(user)
    scope = scope_of(user, ADMIN_ROLES)
    return [
        m.person_id
        for m in not_written_today(user, today)
        if scope.covers_path(m.unit.path, m.unit_id)
    ]


def vote_reminder_people(user: User, round_: ReviewRound) -> list[int]:
    """Who has not voted yet in the admin's units of an open round."""
    _require_admin(user)
    if round_.state != RoundState.OPEN:
        return []
    people: set[int] = set()
    for unit in progress(user, round_):
        people.update(p.pk for p in unit.not_voted)
    return sorted(people)


def plan(person_ids: list[int], kind: str, day: dt.date) -> ReminderPlan:
    """Two queries: the accounts of the people, and today's reminders among them."""
    users = list(
        User.objects.filter(person_id__in=person_ids, is_active=True).values_list("pk", flat=True)
    )
    already = Reminder.objects.filter(user_id__in=users, kind=kind, day=day).count()
    return ReminderPlan(
        person_ids=person_ids,
        to_remind=len(users) - already,
        already=already,
        no_account=len(set(person_ids)) - len(users),
    )
