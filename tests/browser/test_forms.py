"""Forms found wanting when tried as a new user would (issue 13, item 6), at 375 px
and at 1366 px: the scheme draft's template choice and redraft, ballot refusals
marked on their fields with the confirmation after the server's check, a log day
past its deadline, and the roster import's messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Dialog, Page, ViewportSize, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.reviews.models import Participation, ReviewRound
from kaohe.schemes import services as scheme_services
from kaohe.schemes.models import Scheme, SchemeVersion
from kaohe.schemes.tests.fixtures import add
from kaohe.testing import World
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Until the shared fixture runs every browser test at both widths, these do it here.
VIEWPORTS: list[ViewportSize] = [{"width": 375, "height": 812}, {"width": 1366, "height": 768}]


@pytest.fixture(params=VIEWPORTS, ids=["375px", "1366px"])
def viewport(request: pytest.FixtureRequest) -> ViewportSize:
    size: ViewportSize = request.param
    return size


@pytest.fixture
def page_at(browser: Browser, viewport: ViewportSize) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


def fits(page: Page, viewport: ViewportSize) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"page is {width}px wide at {viewport['width']}px"


def test_a_ballot_refusal_marks_its_fields_and_the_confirmation_follows_the_check(
    page_at: Page,
    viewport: ViewportSize,
    live_server: LiveServer,
    big: World,
    q1: ReviewRound,
    login: Callable[[Page, str], None],
) -> None:
    page = page_at
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    login(page, "team_member")
    page.goto(f"{live_server.url}/reviews/")
    page.get_by_role("link", name="打分").click()
    inputs = page.locator("input.score")
    for i in range(inputs.count()):
        inputs.nth(i).fill(str(95 if i < 4 else 70 + i))
    inputs.nth(5).fill("")
    page.get_by_role("button", name="提交选票", exact=True).click()
    summary = page.locator("#ballot-problems")
    expect(summary).to_have_count(1)
    expect(summary).to_contain_text("有 2 处问题：请修改标出的栏目。")
    expect(summary).to_be_focused()
    expect(page.locator(".messages .msg-error")).to_have_count(0)
    invalid = page.locator("input[aria-invalid=true]")
    expect(invalid).to_have_count(5)
    first = invalid.first
    described = first.get_attribute("aria-describedby")
    assert described and page.locator(f"#{described}").inner_text().startswith("此项是 4 个")
    expect(first).to_have_value("95")  # the typed values are kept
    expect(page.locator(f"#{inputs.nth(5).get_attribute('aria-describedby')}")).to_have_text(
        "尚未打分。"
    )
    fits(page, viewport)
    screenshot(page, f"ballot-marked-{viewport['width']}")

    inputs.nth(3).fill("88")
    inputs.nth(5).fill("76")
    page.get_by_role("button", name="提交选票", exact=True).click()
    confirm = page.locator("#ballot-confirm")
    expect(confirm).to_contain_text("选票已通过检查：共 11 人")
    expect(confirm).to_contain_text("选票只能提交一次")
    assert dialogs == [] and not Participation.objects.exists()
    fits(page, viewport)
    page.get_by_role("button", name="确认提交选票").click()
    expect(page.locator(".messages .msg-success")).to_contain_text("选票已提交")
    assert Participation.objects.count() == 1


def test_a_log_day_past_its_deadline_shows_why_and_no_form(
    page_at: Page,
    viewport: ViewportSize,
    live_server: LiveServer,
    world: World,
    login: Callable[[Page, str], None],
    settings: Settings,
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 3, 16)
    page = page_at
    login(page, "cadre")
    page.goto(f"{live_server.url}/logs/month/?month=2026-03")
    page.locator("td.st-missing[title='2026-03-02'] a").click()
    expect(page.locator("#day-closed")).to_contain_text("补填期限已过，不能再填写")
    expect(page.locator("#log-form")).to_have_count(0)
    expect(page.locator("textarea")).to_have_count(0)
    fits(page, viewport)
    page.goto(f"{live_server.url}/logs/today/")
    expect(page.locator("#log-form")).to_be_visible()


def test_a_scheme_is_drafted_from_a_chosen_template_and_redrafted(
    page_at: Page,
    viewport: ViewportSize,
    live_server: LiveServer,
    world: World,
    template: SchemeVersion,
    login: Callable[[Page, str], None],
    settings: Settings,
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 2, 10)
    other = scheme_services.template_create(
        actor=world.users["region_admin"], region=world.region, name="执法勤务类模板", year=2026
    )
    group = add(world, other, None, "执法质量", kind="group", max_points="100", weight="100")
    add(world, other, group, "案件办理", kind="scored", max_points="100")
    scheme_services.version_approve(actor=world.users["region_admin"], version=other)

    page = page_at
    login(page, "unit_admin")
    page.goto(f"{live_server.url}/schemes/")
    radios = page.locator("#template-choices input[type=radio]")
    expect(radios).to_have_count(2)
    for i in range(2):
        expect(radios.nth(i)).not_to_be_checked()
    expect(page.locator("#template-choices")).to_contain_text("一级指标：德、绩、违纪")
    fits(page, viewport)
    screenshot(page, f"scheme-choice-{viewport['width']}")
    page.get_by_label("通用模板").check()  # the wrong one, as a new user might
    page.get_by_role("button", name="查看模板内容").click()
    expect(page.locator("#template-tree")).to_contain_text("缺写工作日志")
    assert not Scheme.objects.filter(role=Scheme.Role.UNIT).exists()
    fits(page, viewport)
    screenshot(page, f"scheme-confirm-{viewport['width']}")
    page.get_by_role("button", name="创建草稿").click()
    expect(page.locator("#version-state")).to_have_text("草稿")

    page.locator("#redraft summary").click()
    page.locator("#redraft").get_by_label("执法勤务类模板").check()
    page.locator("#redraft").get_by_role("button", name="查看模板内容").click()
    expect(page.locator("#redraft-warning")).to_contain_text("现有的 7 项指标")
    page.get_by_role("button", name="替换指标").click()
    expect(page.locator(".indicator-tree")).to_contain_text("案件办理")
    expect(page.locator('.node[data-name="缺写工作日志"]')).to_have_count(0)
    fits(page, viewport)
    screenshot(page, f"scheme-redrafted-{viewport['width']}")


def test_the_roster_page_says_a_not_excel_file_once_and_names_the_open_round(
    page_at: Page,
    viewport: ViewportSize,
    live_server: LiveServer,
    big: World,
    q1: ReviewRound,
    login: Callable[[Page, str], None],
    tmp_path: object,
) -> None:
    import pathlib

    page = page_at
    login(page, "unit_admin")
    page.goto(f"{live_server.url}/org/roster/")
    expect(page.locator("#open-rounds")).to_contain_text("2026年第1季度考评")
    bad = pathlib.Path(str(tmp_path)) / "名册.xlsx"
    bad.write_bytes(b"a,b\n1,2\n")
    page.set_input_files("input[name=file]", str(bad))
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.locator("#import-errors")).to_be_visible()
    assert page.content().count("不是 Excel .xlsx 文件") == 1
    fits(page, viewport)
