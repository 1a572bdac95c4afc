"""A household code in the browser, at both widths: a resident opens the code's link,
answers and sees the thanks page; the same link again is refused. Once k responses
are in, the unit's administrator sees the unit's index on the results page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.surveys.models import Channel, Response, SurveyState
from kaohe.surveys.policies import policy_for
from kaohe.surveys.services import Parsed, response_submit
from kaohe.surveys.tests.test_public import TODAY, build_place
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page (issue 19: none)."""
    results: dict[str, Any] = Axe().run(page).response
    return [
        f"{v['id']} ({node.get('impact') or v.get('impact')}) at {node['target']}"
        for v in results.get("violations", [])
        for node in v["nodes"]
        if (node.get("impact") or v.get("impact")) in {"serious", "critical"}
    ]


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
    assert not serious(resident)
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
    assert not serious(resident)
    stored = Response.objects.get()
    assert stored.channel == Channel.TOKEN and stored.day == dt.date(2026, 11, 20)

    # The same link again: refused, with a page that says why.
    resident.goto(url)
    expect(resident.locator("h1")).to_have_text("该二维码已使用")
    expect(resident.locator("#notice")).to_contain_text("每个二维码只能答卷一次")
    assert_fits(resident)
    assert not serious(resident)
    assert Response.objects.count() == 1


def test_an_open_link_refusal_in_place_is_accessible(
    browser: Browser, live_server: LiveServer, world: World, settings: Settings
) -> None:
    settings.KAOHE_TODAY = TODAY
    place = build_place(world)
    visitor = browser.new_page()
    visitor.goto(f"{live_server.url}/s/w/{place.target.open_key}/")
    expect(visitor.locator("#challenge-answer")).to_be_visible()
    assert not serious(visitor)
    # Sent at once, nothing answered: the browser's own check stops it first; without
    # it (as a script would send it) the page refuses in place, in Chinese.
    visitor.locator("form").evaluate("form => form.setAttribute('novalidate', '')")
    visitor.get_by_role("button", name="提交答卷").click()
    expect(visitor.locator("#refusal")).to_contain_text("尚未作答")
    assert_fits(visitor)
    assert not serious(visitor)
    assert Response.objects.count() == 0


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
    # Results are shown once the survey closes (read while answers come in, two reads
    # would give a respondent's answers away).
    admin = browser.new_page()
    login(admin, "unit_admin")
    admin.goto(f"{live_server.url}/surveys/results/units/{world.bureau.pk}/")
    expect(admin.locator("#unit-results")).to_contain_text("调查结束后显示")
    place.survey.state = SurveyState.CLOSED
    place.survey.save(update_fields=["state"])

    admin.goto(f"{live_server.url}/surveys/results/units/{world.bureau.pk}/")
    main = admin.locator("main")
    expect(main).to_contain_text("满意度")
    expect(main).to_contain_text("100")  # every answer favourable
    expect(main).to_contain_text(str(k))
    assert_fits(admin)
