"""The worklogs domain's endpoints: the user's day (the today page), writing a day's log,
and the first page (or the next, by keyset) of the logs feed. Each is a thin wrapper
over the selector or service the page calls, with the page's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from kaohe.api.errors import REFUSED, ErrorOut
from kaohe.core import clock
from kaohe.core.http import FIRST_DAY, LAST_DAY, AuthedRequest
from kaohe.worklogs import selectors, services
from kaohe.worklogs.models import Timeliness
from kaohe.worklogs.policies import policy_for
from kaohe.worklogs.selectors import FeedCursor, FeedEntry, FeedFilter, OwnLog

router = Router(tags=["worklogs"])

# As the pages: the today page lists the author's ten newest logs, the feed twenty a page.
RECENT_LOGS = 10
FEED_PAGE_SIZE = 20


def _timeliness_labels() -> dict[str, str]:
    """The labels by value, in the request's language (built per response, not per log)."""
    return {value: str(label) for value, label in Timeliness.choices}


def _log_fields(log: OwnLog | FeedEntry, labels: Mapping[str, str]) -> dict[str, Any]:
    """What OwnLogOut says of a log, from the author's own log or a feed entry (the
    same attributes), for both endpoints that list logs."""
    return {
        "id": log.log_id,
        "day": log.day,
        "unit": log.unit_name,
        "content": log.content,
        "timeliness": log.timeliness,
        "timeliness_label": labels.get(log.timeliness, log.timeliness),
        "revision_count": log.revision_count,
        "readers": log.readers,
        "comments": [CommentOut(author=who, text=text) for who, text in log.comments],
    }


class CommentOut(Schema):
    author: str
    text: str


class OpenDayOut(Schema):
    day: dt.date
    deadline: dt.date | None


class OwnLogOut(Schema):
    id: int
    day: dt.date
    unit: str
    content: str
    timeliness: str
    timeliness_label: str
    revision_count: int
    readers: list[str]
    comments: list[CommentOut]


class DayOut(Schema):
    day: dt.date
    # written, backfilled, missing, open, rest, none, future, outside; None for an
    # account that writes no logs (linked to no person).
    state: str | None
    state_label: str
    deadline: dt.date | None  # the last day the log may be written or edited
    writable: bool
    content: str  # the day's log, "" when it has none
    open_days: list[OpenDayOut]  # unwritten days that may still be written, oldest first
    recent: list[OwnLogOut]  # the user's newest logs


class LogIn(Schema):
    content: str


class LogOut(Schema):
    id: int
    day: dt.date
    content: str
    timeliness: str
    timeliness_label: str
    revision_count: int


class FeedItemOut(OwnLogOut):
    """A log of the feed: as the author sees their own, with its author and what the
    reader may do."""

    person: str
    mine: bool  # the user wrote it
    read_by_me: bool
    can_comment: bool


class FeedOut(Schema):
    items: list[FeedItemOut]
    # The token of the last log shown when older ones follow: pass it as `before`.
    older: str | None


@router.get("/today", response=DayOut, summary="My day: its state, its log, my open days")
def today(request: HttpRequest) -> DayOut:
    req = AuthedRequest.of(request)
    day = clock.today()
    policy = policy_for(req.user.region_id) if req.user.region_id else None
    view = selectors.day_view(req.user, day, day, recent=RECENT_LOGS, policy=policy)
    labels = _timeliness_labels()
    cell = view.cell
    state = cell.state if cell else None
    recent = [OwnLogOut(**_log_fields(log, labels)) for log in view.recent]
    return DayOut(
        day=day,
        state=state,
        state_label=selectors.day_state_label(state or ""),
        deadline=cell.deadline if cell else None,
        writable=cell is not None and cell.writable(day),
        content=view.content,
        open_days=[OpenDayOut(day=c.day, deadline=c.deadline) for c in view.open_days],
        recent=recent,
    )


@router.get(
    "/feed",
    response=FeedOut,
    summary="The logs I may read, newest first, a page at a time (keyset: `before`)",
)
def feed(request: HttpRequest, before: str | None = None) -> FeedOut:
    req = AuthedRequest.of(request)
    page = selectors.log_feed(
        req.user, FeedFilter(), before=FeedCursor.parse(before), size=FEED_PAGE_SIZE
    )
    labels = _timeliness_labels()
    return FeedOut(
        items=[
            FeedItemOut(
                **_log_fields(e, labels),
                person=e.person_name,
                mine=e.mine,
                read_by_me=e.read_by_me,
                can_comment=e.can_comment,
            )
            for e in page.items
        ],
        older=page.older.token if page.older else None,
    )


# After /feed: "{day}" would match "feed" too, and answer its GET 405.
@router.post(
    "/{day}",
    response={200: LogOut, REFUSED: ErrorOut},
    summary="Write or edit my log of a day (refused past its deadline, or empty)",
)
def submit(request: HttpRequest, day: dt.date, payload: LogIn) -> LogOut:
    req = AuthedRequest.of(request)
    # The days every page accepts: beyond them the calendar's arithmetic overflows.
    if not FIRST_DAY <= day <= LAST_DAY:
        raise Http404
    log = services.worklog_submit(
        actor=req.user, day=day, content=payload.content, today=clock.today()
    )
    return LogOut(
        id=log.pk,
        day=log.day,
        content=log.content,
        timeliness=log.timeliness,
        timeliness_label=_timeliness_labels().get(log.timeliness, log.timeliness),
        revision_count=log.revision_count,
    )
