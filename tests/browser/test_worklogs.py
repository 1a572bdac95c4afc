"""At 375 px a cadre writes today's log and backfills yesterday; the head reads and comments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.testing import World
from kaohe.worklogs.models import WorkLog
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TODAY = dt.date(2026, 11, 20)  # a Friday; yesterday is Thursday 19 November


def test_write_backfill_read_and_comment(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    login: Callable[[Page, str], None],
    settings: Settings,
) -> None:
    settings.KAOHE_TODAY = TODAY
    author_ctx = browser.new_context()
    author = author_ctx.new_page()
    login(author, "cadre")
    author.get_by_role("link", name="晒实绩").click()
    author.fill("textarea[name=content]", "上午整理就业补贴申报材料，下午到城关镇走访两家企业。")
    expect(author.locator("#counter")).to_contain_text("/ 300")
    author.get_by_role("button", name="提交").click()
    expect(author.locator(".msg-success")).to_contain_text("2026-11-20 的日志已保存")

    author.locator(".chip", has_text="11月19日").click()
    expect(author.locator("input[name=day]")).to_have_value("2026-11-19")
    author.fill("textarea[name=content]", "全天参加全区就业工作推进会，会后整理会议纪要并报送。")
    author.get_by_role("button", name="提交").click()
    expect(author.locator(".msg-success")).to_contain_text("2026-11-19 的日志已保存")
    expect(author.locator(".log").first).to_contain_text("按时")
    assert_fits(author)
    screenshot(author, "worklog-today")
    assert dict(WorkLog.objects.values_list("day", "timeliness")) == {
        TODAY: "on_time",
        dt.date(2026, 11, 19): "backfilled",
    }

    head_ctx = browser.new_context()
    head = head_ctx.new_page()
    login(head, "unit_head")
    head.get_by_role("link", name="单位日志").click()
    item = head.locator(".log", has_text="全区就业工作推进会")
    item.get_by_role("button", name="标记已阅").click()
    expect(head.locator(".log", has_text="全区就业工作推进会").locator(".reads")).to_contain_text(
        "王建国"
    )
    expect(
        head.locator(".log", has_text="全区就业工作推进会").get_by_role("button", name="标记已阅")
    ).to_have_count(0)
    item = head.locator(".log", has_text="全区就业工作推进会")
    item.locator("input[name=content]").fill("会议纪要写得清楚，请抓好落实。")
    item.get_by_role("button", name="评论").click()
    expect(head.locator(".log", has_text="全区就业工作推进会").locator(".comment")).to_contain_text(
        "请抓好落实"
    )
    assert_fits(head)
    screenshot(head, "worklog-feed-head")

    author.goto(f"{live_server.url}/logs/today/")
    mine = author.locator(".log", has_text="全区就业工作推进会")
    expect(mine.locator(".reads")).to_contain_text("已阅：王建国")
    expect(mine.locator(".comment")).to_contain_text("请抓好落实")
    expect(author.locator("#unread-count")).to_have_text("1")
    author.get_by_role("link", name="通知").click()
    expect(author.locator("main")).to_contain_text("王建国 评论了您 2026-11-19 的日志")
    author.goto(f"{live_server.url}/logs/month/?month=2026-11")
    expect(author.locator('td[title="2026-11-19"]')).to_have_class("st-backfilled")
    assert_fits(author)
    screenshot(author, "worklog-month")
    author_ctx.close()
    head_ctx.close()
