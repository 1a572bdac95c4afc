"""Writes of the notices app: notifying, delivering, retrying, reminding.

`notify` is what other apps call (it imports only core, org and accounts, so that
worklogs, reviews, schemes and scoring services may call it). It runs inside the
caller's transaction and adds no audit row of its own: the caller's service has
recorded the event that the notification reports.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import default_task_backend, task

from kaohe.accounts.access import forget_facts, is_region_admin, require_region_admin
from kaohe.accounts.models import Role, User
from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.errors import ApplicationError
from kaohe.core.models import Notification
from kaohe.notices.channels import SENDERS, DeliveryError
from kaohe.notices.errors import NoticeErrorCode
from kaohe.notices.models import (
    Channel,
    ChannelKind,
    Delivery,
    DeliveryState,
    Reminder,
    ReminderKind,
)
from kaohe.org.models import Unit

# Back-off: 1, 2, 4 … minutes after each failure, at most 6 hours apart; after
# MAX_ATTEMPTS the delivery stays FAILED on the admins' page with a retry button.
RETRY_BASE = dt.timedelta(minutes=1)
RETRY_CAP = dt.timedelta(hours=6)
MAX_ATTEMPTS = 8
# A pending delivery whose job was lost (the process stopped between the commit and
# the enqueue) is picked up by the sweep after this long.
STALE_PENDING = dt.timedelta(minutes=10)
TEXT_MAX = Notification._meta.get_field("text").max_length or 300


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt."""
    delay: dt.timedelta = RETRY_BASE * 2 ** max(0, attempts - 1)
    return min(delay, RETRY_CAP)


def _enqueue(delivery_id: int, run_after: dt.datetime | None = None) -> None:
    send = delivery_send
    if run_after is not None:
        if not default_task_backend.supports_defer:
            return  # the sweep (notices_daily, the worker's daily job) picks it up
        send = send.using(run_after=run_after)
    send.enqueue(delivery_id)


def notify(
    *,
    users: QuerySet[User] | Iterable[User] | None = None,
    user_ids: Iterable[int] | None = None,
    text: str,
    url: str = "",
    kind: str,
    channel_text: str | None = None,
) -> int:
    """In-app notifications for the users (in bulk), and one delivery per configured
    channel of their region: the group robots get one message (`channel_text`, or
    `text`), email one message to each user with an address. Returns how many users
    were notified."""
    if isinstance(users, QuerySet):
        base = users
    else:
        ids = set(user_ids or ()) | {u.pk for u in users or ()}
        base = User.objects.filter(pk__in=ids)
    rows = list(base.filter(is_active=True).values_list("pk", "region_id", "email"))
    if not rows:
        return 0
    text = text[:TEXT_MAX]
    Notification.objects.bulk_create(
        (Notification(user_id=pk, text=text, url=url) for pk, _r, _e in rows), batch_size=5000
    )
    forget_facts(pk for pk, _r, _e in rows)
    by_region: dict[int, list[int]] = defaultdict(list)
    for pk, region_id, email in rows:
        if region_id is not None:
            by_region[region_id].append(pk if email else 0)
    channels = Channel.objects.filter(region_id__in=list(by_region), enabled=True)
    deliveries = []
    for channel in channels:
        emailed = [pk for pk in by_region[channel.region_id] if pk]
        if channel.kind == ChannelKind.EMAIL and not emailed:
            continue
        deliveries.append(
            Delivery(
                region_id=channel.region_id,
                channel=channel,
                kind=kind,
                text=(channel_text or text)[:1000],
                url=url,
                recipients=emailed if channel.kind == ChannelKind.EMAIL else [],
            )
        )
    for delivery in Delivery.objects.bulk_create(deliveries):
        transaction.on_commit(functools.partial(_enqueue, delivery.pk))
    return len(rows)


def _addresses(delivery: Delivery) -> list[str]:
    if delivery.channel.kind != ChannelKind.EMAIL:
        return []
    return [
        email
        for email in User.objects.filter(pk__in=delivery.recipients, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    ]


def delivery_attempt(
    *, delivery_id: int, force: bool = False, now: dt.datetime | None = None
) -> Delivery | None:
    """One attempt to send; a failure is recorded and retried after a back-off.

    Runs in the worker (`delivery_send`). The row is locked while sending,
    so a manual retry and a scheduled one never both send. `force` sends a delivery
    that has used up its retries (the admins' retry button)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("channel")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state == DeliveryState.SENT:
            return delivery
        if delivery.state == DeliveryState.FAILED and not force:
            return delivery
        channel = delivery.channel
        now = now or timezone.now()
        delivery.attempts += 1
        try:
            if not channel.enabled:
                raise DeliveryError(_("The channel is disabled."))
            SENDERS[channel.kind](channel, delivery.text, delivery.url, _addresses(delivery))
        except DeliveryError as exc:
            delivery.last_error = str(exc)[:500]
            if delivery.attempts >= MAX_ATTEMPTS:
                # Retries used up: it waits on the admins' page for a click on retry,
                # never silently dropped.
                delivery.state = DeliveryState.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.state = DeliveryState.RETRYING
                delivery.next_attempt_at = now + backoff(delivery.attempts)
        else:
            delivery.state = DeliveryState.SENT
            delivery.sent_at = now
            delivery.next_attempt_at = None
            delivery.last_error = ""
        delivery.save(
            update_fields=["state", "attempts", "next_attempt_at", "last_error", "sent_at"]
        )
    if delivery.state == DeliveryState.RETRYING and delivery.next_attempt_at is not None:
        _enqueue(delivery.pk, delivery.next_attempt_at)
    return delivery


# The task is defined beside what it runs: notify() enqueues it and it calls
# delivery_attempt, so one module holds both ends (no import cycle).
@task()
def delivery_send(delivery_id: int) -> str:
    """One attempt of one delivery; a failure schedules the next attempt itself."""
    # The worker has no request: the error it records is read on a Chinese page.
    with translation.override(settings.LANGUAGE_CODE):
        delivery = delivery_attempt(delivery_id=delivery_id)
    return delivery.state if delivery is not None else "missing"


def deliveries_sweep(*, now: dt.datetime | None = None) -> int:
    """Attempt every delivery that is due and has no job (retries on a backend that
    cannot defer, jobs lost in a restart). Returns how many were attempted."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(
            Q(state=DeliveryState.RETRYING, next_attempt_at__lte=now)
            | Q(state=DeliveryState.PENDING, created_at__lte=now - STALE_PENDING)
        ).values_list("pk", flat=True)
    )
    for pk in due:
        delivery_attempt(delivery_id=pk, now=now)
    return len(due)


def delivery_retry(*, actor: User, delivery: Delivery) -> Delivery:
    """An admin's retry of a failed delivery: sent now, in the request."""
    require_region_admin(actor, delivery.region_id)
    if delivery.state == DeliveryState.SENT:
        raise ApplicationError(
            _("This message was already sent."), code=NoticeErrorCode.ALREADY_SENT
        )
    audit_record(
        actor=actor,
        action=AuditAction.NOTICES_DELIVERY_RETRY,
        obj=delivery,
        region=actor.region,
        details={"attempts": delivery.attempts},
    )
    result = delivery_attempt(delivery_id=delivery.pk, force=True)
    if result is None:
        raise Http404
    return result


REMINDER_ACTIONS = {
    ReminderKind.LOG: AuditAction.NOTICES_REMINDER_LOG,
    ReminderKind.VOTE: AuditAction.NOTICES_REMINDER_VOTE,
}


def reminders_send(
    *,
    actor: User,
    kind: str,
    person_ids: Iterable[int],
    day: dt.date,
    text: str,
    url: str,
    channel_text: Callable[[int], str] | None = None,
) -> tuple[int, int]:
    """Remind the people (already scoped by the caller's selector) once on `day`.

    Returns (reminded now, already reminded today). People without an account are
    not counted: nothing reaches them in kaohe. `channel_text(n)` is the group robots'
    message for n people reminded."""
    with transaction.atomic():
        users = set(
            User.objects.filter(person_id__in=list(person_ids), is_active=True).values_list(
                "pk", flat=True
            )
        )
        already = set(
            Reminder.objects.filter(user_id__in=users, kind=kind, day=day).values_list(
                "user_id", flat=True
            )
        )
        batch = uuid.uuid4()
        # The unique (user, kind, day) decides who is reminded: a second click or a
        # second admin at the same moment inserts nothing for the same person.
        Reminder.objects.bulk_create(
            [
                Reminder(user_id=pk, kind=kind, day=day, actor=actor, batch=batch)
                for pk in users - already
            ],
            ignore_conflicts=True,
        )
        fresh = list(
            Reminder.objects.filter(batch=batch, kind=kind, day=day).values_list(
                "user_id", flat=True
            )
        )
        if fresh:
            notify(
                user_ids=fresh,
                text=text,
                url=url,
                kind=f"reminder_{kind}",
                channel_text=channel_text(len(fresh)) if channel_text else None,
            )
        audit_record(
            actor=actor,
            action=REMINDER_ACTIONS[ReminderKind(kind)],
            region=actor.region,
            details={"reminded": len(fresh), "already": len(users) - len(fresh)},
        )
    return len(fresh), len(users) - len(fresh)


# ---------------------------------------------------------------- who to tell


def signature(user: User) -> str:
    """How a notification names who acted: their name, never their login."""
    person = user.person if user.person_id else None
    if person is not None:
        return person.name
    full = user.get_full_name().strip()
    if full:
        return full
    if is_region_admin(user):
        return _("the assessment office")
    return _("the unit administrator")


def region_admins(region_id: int) -> QuerySet[User]:
    return User.objects.filter(
        role_grants__role=Role.REGION_ADMIN, role_grants__region_id=region_id
    ).distinct()


def unit_admins(unit: Unit) -> QuerySet[User]:
    """The unit administrators whose grant covers `unit` (on it, or on an ancestor
    with its subordinate units)."""
    ancestors = [int(pk) for pk in unit.path.split("/") if pk]
    covering = Q(role_grants__unit_id=unit.pk) | Q(
        role_grants__unit_id__in=ancestors, role_grants__include_subunits=True
    )
    return User.objects.filter(
        Q(role_grants__role=Role.UNIT_ADMIN, role_grants__region_id=unit.region_id) & covering
    ).distinct()
