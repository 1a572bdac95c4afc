"""The supervision ledger end to end in the browser, at both widths: a supervisor
records a finding with evidence, the unit's administrator finds it on their home page
and rectifies it with evidence, the group verifies the rectification and strikes the
finding off (销号)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.supervision.models import Finding, FindingState, SupervisionGroup
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n0000"
PDF = b"%PDF-1.4 rectification"


def test_record_rectify_verify_strike_off(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    settings: Settings,
    login: Callable[[Page, str], None],
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 11, 20)
    group = SupervisionGroup.objects.create(region=world.region, name="第一督导组")
    group.members.add(world.users["supervisor"])
    group.units.add(world.bureau, world.centre)

    # The supervisor records a finding in the bureau, with a photo.
    supervisor = browser.new_page()
    login(supervisor, "supervisor")
    supervisor.get_by_role("link", name="督查台账").click()
    expect(supervisor.locator("#my-groups")).to_contain_text("第一督导组")
    assert_fits(supervisor)
    supervisor.get_by_role("link", name="记录发现问题").click()
    supervisor.get_by_label("单位", exact=True).select_option(label="区人力资源和社会保障局")
    supervisor.get_by_label("问题类别").select_option(label="工作纪实")
    supervisor.get_by_label("一般问题").check()
    supervisor.get_by_label("发现问题", exact=True).fill("部分干部工作纪实记录不及时")
    supervisor.locator("#files").set_input_files(
        files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}]
    )
    assert_fits(supervisor)
    supervisor.get_by_role("button", name="记录问题").click()
    expect(supervisor.locator(".msg-success")).to_contain_text("问题已记录")
    expect(supervisor.locator("#state")).to_have_text("待整改")
    finding = Finding.objects.get()
    assert finding.deadline == dt.date(2026, 12, 11)  # 15 working days
    assert finding.evidence.count() == 1

    # The bureau's administrator finds it on the home page and rectifies it.
    unit = browser.new_page()
    login(unit, "unit_admin")
    unit.get_by_role("link", name="整改区人力资源和社会保障局被发现的问题").click()
    expect(unit.locator("#description")).to_contain_text("纪实记录不及时")
    unit.get_by_label("整改措施及成效").fill("已组织补写并建立每周检查制度")
    unit.locator("#files").set_input_files(
        files=[{"name": "整改报告.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    assert_fits(unit)
    unit.get_by_role("button", name="提交核验").click()
    expect(unit.locator(".msg-success")).to_contain_text("整改已提交督导组核验")
    expect(unit.locator("#state")).to_have_text("整改待核验")
    expect(unit.locator("#rounds")).to_contain_text("整改报告.pdf")

    # The group verifies the rectification from its home page and strikes it off.
    supervisor.goto(f"{live_server.url}/")
    supervisor.get_by_role("link", name="核验区人力资源和社会保障局的整改").click()
    with supervisor.expect_download() as download:
        supervisor.get_by_role("link", name="整改报告.pdf").click()
    assert download.value.suggested_filename == "整改报告.pdf"
    supervisor.get_by_role("button", name="核验通过").click()
    expect(supervisor.locator(".msg-success")).to_contain_text("整改已核验通过")
    supervisor.get_by_role("button", name="销号").click()
    expect(supervisor.locator(".msg-success")).to_contain_text("问题已销号")
    expect(supervisor.locator("#state")).to_have_text("已销号")
    assert_fits(supervisor)
    screenshot(supervisor, "supervision-struck-off")
    finding.refresh_from_db()
    assert finding.state == FindingState.STRUCK_OFF
    assert finding.struck_off_on == dt.date(2026, 11, 20)

    # The ledger shows it closed, for the unit too.
    unit.goto(f"{live_server.url}/supervision/?state=struck_off")
    expect(unit.locator("#ledger-findings")).to_contain_text("已销号")
    assert_fits(unit)
