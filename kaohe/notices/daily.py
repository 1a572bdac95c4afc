"""The daily check: ballots still open two working days before their round ends, and
deliveries whose retry is due, and the jobs' sweep (dead jobs recorded failed, export
files past their day deleted). Run by `manage.py notices_daily` and by the
self-rescheduling `daily_job` in the worker; idempotent per day (`Reminder`).

This module reads the reviews app, so it sits above the domain apps (like a view):
nothing below imports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, default_task_backend, task

from kaohe.accounts.models import User
from kaohe.core import clock
from kaohe.core.calendar import region_calendar
from kaohe.jobs.services import jobs_sweep
from kaohe.notices.models import Reminder, ReminderKind
from kaohe.notices.services import deliveries_sweep, notify
from kaohe.reviews.models import Participation, ReviewRound, RoundState
from kaohe.reviews.services import round_raters

# "Two working days before its end": voting ends within the next two working days.
DUE_WORKDAYS = 2
# When the worker runs the daily job (local time): before the working day starts.
DAILY_AT = dt.time(7, 30)


@dataclass(frozen=True)
class DailyResult:
    rounds_due: int
    reminded: int
    deliveries_attempted: int


def _due(round_: ReviewRound, today: dt.date) -> bool:
    if not round_.starts_on <= today <= round_.ends_on:
        return False
    cal = region_calendar(round_.region_id, today, round_.ends_on)
    return cal.count(today + dt.timedelta(days=1), round_.ends_on) <= DUE_WORKDAYS


def ballots_due_remind(today: dt.date) -> tuple[int, int]:
    """Notify the raters who have not voted in a round closing within two working days,
    once per round end (the Reminder's day is the round's last day). Returns (rounds,
    people reminded)."""
    rounds = [r for r in ReviewRound.objects.filter(state=RoundState.OPEN) if _due(r, today)]
    reminded = 0
    for round_ in rounds:
        voted = set(Participation.objects.filter(round=round_).values_list("unit_id", "rater_id"))
        waiting = {person for unit, person in round_raters(round_) - voted}
        users = dict(
            User.objects.filter(person_id__in=waiting, is_active=True).values_list(
                "pk", "person_id"
            )
        )
        done = set(
            Reminder.objects.filter(
                user_id__in=users, kind=ReminderKind.BALLOT_DUE, day=round_.ends_on
            ).values_list("user_id", flat=True)
        )
        fresh = [pk for pk in users if pk not in done]
        Reminder.objects.bulk_create(
            [
                Reminder(user_id=pk, kind=ReminderKind.BALLOT_DUE, day=round_.ends_on)
                for pk in fresh
            ],
            ignore_conflicts=True,
        )
        if fresh:
            notify(
                user_ids=fresh,
                text=_("Your ballot in %(round)s is still open; voting ends on %(day)s.")
                % {"round": round_, "day": round_.ends_on.isoformat()},
                url=reverse("reviews:mine"),
                kind="ballot_due",
                channel_text=_(
                    "%(round)s: voting ends on %(day)s; %(n)s people have not voted yet."
                )
                % {"round": round_, "day": round_.ends_on.isoformat(), "n": len(fresh)},
            )
        reminded += len(fresh)
    return len(rounds), reminded


# Checks of the apps above this one (due process's deadlines): each fn(today) sends its
# reminders and returns how many people it reminded. Registered from their AppConfig.ready,
# since nothing here may import them (the layers).
DailyFunction = Callable[[dt.date], int]
_DAILY: list[DailyFunction] = []


def register_daily(function: DailyFunction) -> DailyFunction:
    """Run `function` in every daily check (once: registering it again changes nothing)."""
    if function not in _DAILY:
        _DAILY.append(function)
    return function


def daily_check(today: dt.date) -> DailyResult:
    with translation.override(settings.LANGUAGE_CODE):
        rounds, reminded = ballots_due_remind(today)
        for function in _DAILY:
            reminded += function(today)
        attempted = deliveries_sweep()
        jobs_sweep()
    return DailyResult(rounds, reminded, attempted)


def _next_run(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    at = local.replace(hour=DAILY_AT.hour, minute=DAILY_AT.minute, second=0, microsecond=0)
    return at if at > local else at + dt.timedelta(days=1)


def daily_schedule(now: dt.datetime | None = None) -> bool:
    """Queue the next daily run unless one is queued already. False when the backend
    runs jobs at once (tests, KAOHE_TASKS_IMMEDIATE) and cannot wait for a time."""
    if not default_task_backend.supports_defer:
        return False
    now = now or timezone.now()
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another backend: it keeps its own queue
        pass
    else:
        queued = DBTaskResult.objects.filter(
            task_path=daily_job.module_path,
            status=TaskResultStatus.READY,
            run_after__gt=now,
        )
        if queued.exists():
            return True
    daily_job.using(run_after=_next_run(now)).enqueue()
    return True


@task()
def daily_job() -> dict[str, int]:
    """The daily check, then the next day's run queued: the worker keeps it going."""
    try:
        result = daily_check(clock.today())
    finally:
        daily_schedule()  # a failing check must not end the chain
    return {
        "rounds_due": result.rounds_due,
        "reminded": result.reminded,
        "deliveries_attempted": result.deliveries_attempted,
    }
