"""A household code in the browser, at both widths: a resident opens the code's link,
answers and sees the thanks page; the same link again is refused. Once k responses
are in, the unit's administrator sees the unit's index on the results page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.surveys.models import Channel, Response
from kaohe.surveys.policies import policy_for
from kaohe.surveys.services import Parsed, response_submit
from kaohe.surveys.tests.test_public import TODAY, build_place
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_code_link_answers_once(
    browser: Browser, live_server: LiveServer, world: World, settings: Settings
) -> None:
    settings.KAOHE_TODAY = TODAY
    place = build_place(world)
    q = place.questions
    url = f"{live_server.url}/s/c/{place.codes[0]}/"

    resident = browser.new_page()
    resident.goto(url)
    expect(resident.locator("h1")).to_have_text("2026年度群众满意度调查")
    expect(resident.locator("#target")).to_contain_text("社保窗口")
    assert_fits(resident)
    resident.get_by_role("group", name="您对窗口的办事效率满意吗？").get_by_label(
        "4", exact=True
    ).check()
    resident.get_by_role("group", name="您在本地生活感到安全吗？").get_by_label(
        "9", exact=True
    ).check()
    resident.get_by_label("否", exact=True).check()
    resident.get_by_label("电话", exact=True).check()
    resident.get_by_label("网上", exact=True).check()
    resident.locator(f"#q{q[4].pk}").fill("窗口人员很耐心")
    screenshot(resident, "survey-public-form")
    resident.get_by_role("button", name="提交答卷").click()
    resident.wait_for_url(f"{live_server.url}/s/thanks/")
    expect(resident.locator("#thanks")).to_contain_text("您的回答已收到")
    assert_fits(resident)
    stored = Response.objects.get()
    assert stored.channel == Channel.TOKEN and stored.day == dt.date(2026, 11, 20)

    # The same link again: refused, with a page that says why.
    resident.goto(url)
    expect(resident.locator("h1")).to_have_text("该二维码已使用")
    expect(resident.locator("#notice")).to_contain_text("每个二维码只能答卷一次")
    assert_fits(resident)
    assert Response.objects.count() == 1


def test_the_unit_admin_sees_the_index_once_k_is_reached(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    settings: Settings,
    login: Callable[[Page, str], None],
) -> None:
    settings.KAOHE_TODAY = TODAY
    place = build_place(world)
    k = policy_for(world.region.pk).min_responses
    q = place.questions
    # k respondents: satisfaction 4 of 5 (favourable) from all, security 9 of 10 from all.
    for _ in range(k):
        answers = Parsed(values=[(q[0].pk, 4), (q[1].pk, 9), (q[2].pk, 1), (q[3].pk, 2)], texts=[])
        response_submit(target=place.target, channel=Channel.OPEN, answers=answers)

    admin = browser.new_page()
    login(admin, "unit_admin")
    admin.goto(f"{live_server.url}/surveys/results/units/{world.bureau.pk}/")
    main = admin.locator("main")
    expect(main).to_contain_text("满意度")
    expect(main).to_contain_text("100")  # every answer favourable
    expect(main).to_contain_text(str(k))
    assert_fits(admin)
