"""Items 19 and 22 in chromium: the password page on a phone, and no page of the
main set reports a Content-Security-Policy violation at 375 px or at 1366 px."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.accounts.models import User
from kaohe.reviews import services as review_services
from kaohe.schemes import services as scheme_services
from kaohe.schemes.models import SchemeVersion
from kaohe.scoring.models import QuarterRun
from kaohe.testing import PASSWORD, World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW = "Ziji-De-Mima-2026"

# Recorded before any page script runs; a violation is also printed to the console.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                    " at " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


class Watched:
    """A page whose CSP reports (events and console lines) are collected per visit."""

    def __init__(self, page: Page, base: str) -> None:
        self.page, self.base = page, base
        self.console: list[str] = []
        page.add_init_script(WATCH)
        page.on("console", self._console)

    def _console(self, message: object) -> None:
        text = getattr(message, "text", "")
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(text)

    def visit(self, path: str) -> list[str]:
        self.console.clear()
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 500, (path, response)
        if self.page.locator("#chart").count():
            box = self.page.locator("#chart").bounding_box()
            if box:  # the tooltip draws on hover: in richText mode, without inline styles
                self.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 20)
                self.page.wait_for_timeout(300)
        events: list[str] = self.page.evaluate("window.__csp || []")
        return [f"{path}: {v}" for v in events + self.console]


def log_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


@pytest.fixture
def everything(
    big: World,
    graded: QuarterRun,
    drafted: SchemeVersion,
    settings: Settings,
) -> Iterator[dict[str, str]]:
    """Data behind the pages with charts, a ballot, a proposal and the entry grid."""
    settings.KAOHE_TODAY = dt.date(2026, 4, 30)
    admin = big.users["region_admin"]
    q2 = review_services.round_create(  # open, for a ballot (Q1's round is closed)
        actor=admin,
        region=big.region,
        year=2026,
        number=2,
        starts_on=dt.date(2026, 4, 20),
        ends_on=dt.date(2026, 5, 10),
    )
    review_services.round_open(actor=admin, round_=q2)
    scheme_services.version_submit(actor=big.users["unit_admin"], version=drafted)
    scheme_services.version_approve(actor=big.users["region_admin"], version=drafted)
    yield {
        "quarter": f"/scoring/quarters/{graded.pk}/",
        "proposal": f"/scoring/quarters/{graded.pk}/units/{big.bureau.pk}/",
        "entry": f"/schemes/entry/{big.bureau.pk}/2026/1/",
        "round": f"/reviews/rounds/{q2.pk}/",
        "user": f"/admin/accounts/user/{big.users['cadre'].pk}/change/",
    }


def test_no_page_reports_a_csp_violation(
    browser: Browser,
    live_server: LiveServer,
    everything: dict[str, str],
) -> None:
    pages = {
        "region_admin": [
            "/",
            "/logs/feed/",
            "/logs/compliance/",
            "/reviews/rounds/",
            everything["round"],
            "/scoring/",
            everything["quarter"],
            "/schemes/",
            everything["entry"],
            "/org/units/",
            "/org/roster/",
            "/audit/",
            "/notifications/",
            "/password/",
            "/admin/",
            "/admin/accounts/user/",
            everything["user"],
            "/admin/accounts/user/add/",
            "/no-such-page/",
        ],
        "unit_head": ["/", "/reviews/", everything["proposal"], "/scoring/mine/"],
        "cadre": ["/", "/logs/today/", "/logs/month/", "/logs/summaries/", "/reviews/"],
    }
    violations: list[str] = []
    for username, paths in pages.items():
        context = browser.new_context()
        page = context.new_page()
        watched = Watched(page, live_server.url)
        violations += watched.visit("/login/")
        log_in(page, live_server.url, username)
        for path in paths:
            violations += watched.visit(path)
        if username == "unit_head":  # a ballot, reached the way a rater reaches it
            page.goto(live_server.url + "/reviews/")
            ballot = page.locator("a[href^='/reviews/ballots/']").first
            if ballot.count():
                violations += watched.visit(ballot.get_attribute("href") or "/reviews/")
        context.close()
    assert not violations, "\n".join(violations)


def test_a_cadre_changes_their_password_on_a_phone(
    phone: Page, live_server: LiveServer, world: World
) -> None:
    base = live_server.url
    log_in(phone, base, "cadre")
    phone.get_by_role("link", name="修改密码").click()
    expect(phone.get_by_role("heading", name="修改密码")).to_be_visible()
    phone.get_by_label("当前密码").fill(PASSWORD)
    phone.get_by_label("新密码", exact=True).fill("Qx7!kz")
    phone.get_by_label("再次输入新密码").fill("Qx7!kz")
    phone.get_by_role("button", name="保存新密码").click()
    expect(phone.locator("#password-errors")).to_contain_text("密码太短，至少需要 10 个字符")
    assert_fits(phone)
    screenshot(phone, "password-refused")

    phone.get_by_label("当前密码").fill(PASSWORD)
    phone.get_by_label("新密码", exact=True).fill(NEW)
    phone.get_by_label("再次输入新密码").fill(NEW)
    phone.get_by_role("button", name="保存新密码").click()
    expect(phone.locator(".msg-success")).to_contain_text("密码已修改")
    phone.get_by_role("button", name="退出").click()
    log_in(phone, base, "cadre", NEW)
    assert phone.url == f"{base}/"


def test_an_account_set_up_by_an_administrator_chooses_its_password_first(
    phone: Page, live_server: LiveServer, world: World
) -> None:
    base = live_server.url
    User.objects.filter(username="cadre").update(must_change_password=True)
    log_in(phone, base, "cadre")
    assert phone.url == f"{base}/password/"
    expect(phone.locator("#password-first")).to_contain_text("您的密码由管理员设置")
    phone.goto(f"{base}/logs/feed/")
    assert phone.url == f"{base}/password/"
    phone.get_by_label("当前密码").fill(PASSWORD)
    phone.get_by_label("新密码", exact=True).fill(NEW)
    phone.get_by_label("再次输入新密码").fill(NEW)
    phone.get_by_role("button", name="保存新密码").click()
    expect(phone.locator(".msg-success")).to_contain_text("密码已修改")
    phone.goto(f"{base}/logs/feed/")
    assert phone.url == f"{base}/logs/feed/"
    assert_fits(phone)
    screenshot(phone, "password-forced-done")
