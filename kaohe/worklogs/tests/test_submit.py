"""Writing logs: backfill window, validation, edits, concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from kaohe.core.models import AuditEvent
from kaohe.org.models import Leave, Person
from kaohe.testing import World, refused
from kaohe.worklogs.errors import WorklogErrorCode
from kaohe.worklogs.models import Timeliness, WorkLog, WorkLogRevision
from kaohe.worklogs.services import worklog_submit

D = dt.date
TEXT = "上午整理就业补贴申报材料，下午到城关镇走访两家企业。"


@pytest.mark.django_db
def test_backfill_is_allowed_on_the_fifth_working_day_after_national_day(
    world: World, veteran: Person
) -> None:
    # Missed Tue 30 Sep 2025; Oct 1–8 is the holiday, Sat 11 Oct a swapped workday:
    # the 5 working days after are Oct 9, 10, 11, 13, 14.
    user = world.users["cadre"]
    log = worklog_submit(actor=user, day=D(2025, 9, 30), content=TEXT, today=D(2025, 10, 14))
    assert log.timeliness == Timeliness.BACKFILLED and log.unit == world.bureau


@pytest.mark.django_db
def test_backfill_is_refused_on_the_sixth_working_day(world: World, veteran: Person) -> None:
    before = (WorkLog.objects.count(), AuditEvent.objects.count())
    with refused(WorklogErrorCode.DAY_CLOSED) as caught:
        worklog_submit(
            actor=world.users["cadre"], day=D(2025, 9, 30), content=TEXT, today=D(2025, 10, 15)
        )
    assert "2025-10-14" in caught.value.message and "已过" in caught.value.message
    assert (WorkLog.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_the_swapped_saturday_needs_a_log_and_the_holiday_does_not(
    world: World, veteran: Person
) -> None:
    user = world.users["cadre"]
    assert (
        worklog_submit(
            actor=user, day=D(2025, 10, 11), content=TEXT, today=D(2025, 10, 11)
        ).timeliness
        == "on_time"
    )
    with refused(WorklogErrorCode.NOT_WORKING_DAY) as caught:
        worklog_submit(actor=user, day=D(2025, 10, 3), content=TEXT, today=D(2025, 10, 9))
    # The one place the wording is checked: the user reads the Chinese message.
    assert caught.value.message == "2025-10-03 不是工作日，无需填写日志。"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("", WorklogErrorCode.TEXT_EMPTY),
        ("   ", WorklogErrorCode.TEXT_EMPTY),
        ("太短了", WorklogErrorCode.TEXT_TOO_SHORT),
        ("长" * 301, WorklogErrorCode.TEXT_TOO_LONG),
    ],
    ids=["empty", "blank", "short", "long"],
)
def test_bad_content_is_refused_with_a_clear_message(
    world: World, content: str, code: WorklogErrorCode
) -> None:
    before = (WorkLog.objects.count(), AuditEvent.objects.count())
    with refused(code):
        worklog_submit(
            actor=world.users["cadre"], day=D(2026, 3, 2), content=content, today=D(2026, 3, 2)
        )
    assert (WorkLog.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_future_days_days_before_joining_and_leave_days_are_refused(world: World) -> None:
    user = world.users["cadre"]
    with refused(WorklogErrorCode.DAY_IN_FUTURE):
        worklog_submit(actor=user, day=D(2026, 3, 3), content=TEXT, today=D(2026, 3, 2))
    with refused(WorklogErrorCode.NOT_ASSESSED_ON_DAY):
        worklog_submit(actor=user, day=D(2025, 12, 31), content=TEXT, today=D(2026, 1, 5))
    Leave.objects.create(
        region=world.region,
        person=world.people["cadre"],
        start=D(2026, 3, 2),
        end=D(2026, 3, 6),
        reason="病假",
    )
    with refused(WorklogErrorCode.ON_LEAVE):
        worklog_submit(actor=user, day=D(2026, 3, 4), content=TEXT, today=D(2026, 3, 4))


@pytest.mark.django_db
def test_an_edit_keeps_the_earlier_text(world: World) -> None:
    user = world.users["cadre"]
    worklog_submit(actor=user, day=D(2026, 3, 2), content=TEXT, today=D(2026, 3, 2))
    log = worklog_submit(
        actor=user, day=D(2026, 3, 2), content=TEXT + "补充：已报送。", today=D(2026, 3, 3)
    )
    assert log.timeliness == Timeliness.ON_TIME and log.revision_count == 1
    assert list(WorkLogRevision.objects.filter(log=log).values_list("content", flat=True)) == [TEXT]
    assert AuditEvent.objects.filter(action="worklogs.log.edit", object_id=str(log.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_submissions_of_the_same_day_at_once_leave_one_log(world: World) -> None:
    user = world.users["cadre"]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def submit(text: str) -> None:
        try:
            barrier.wait()
            worklog_submit(actor=user, day=D(2026, 3, 2), content=text, today=D(2026, 3, 2))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(TEXT + suffix,)) for suffix in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert WorkLog.objects.filter(person=world.people["cadre"], day=D(2026, 3, 2)).count() == 1
