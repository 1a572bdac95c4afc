"""Issue 17's cases at 375 and 1366 px: the cadre requests a 复核 from their notice with
a scanned file → the assessment office changes the result with its reasons → the
cadre lodges a 申诉 → the higher authority extends the decision with a reason, then
decides it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kaohe.dueprocess.models import Case, DueProcessPolicy, Notice
from kaohe.outcomes.models import YearRecord, YearRecordCorrection
from kaohe.outcomes.tests.test_archive_pages import record
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_review_then_appeal_extended_and_decided(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    settings: Settings,
    login: Callable[[Page, str], None],
) -> None:
    settings.KAOHE_TODAY = dt.date(2026, 11, 20)
    DueProcessPolicy.objects.create(region=world.region, appeal_region=world.other_region)
    rec = record(world, "cadre", grade="competent")
    notice = Notice.objects.create(
        region=world.region,
        person=rec.person,
        unit=world.bureau,
        year=2026,
        record=rec,
        grade=rec.grade,
        issued_on=dt.date(2026, 11, 2),
        sign_due_on=dt.date(2026, 11, 9),
    )

    cadre = browser.new_page()
    login(cadre, "cadre")
    cadre.goto(f"{live_server.url}/dueprocess/notices/{notice.pk}/review/")
    expect(cadre.locator("#applies")).to_contain_text("复核期间不停止原考核结果的执行")
    expect(cadre.locator("#deadline")).to_contain_text("2026-12-02")
    expect(cadre.locator("#deadline")).to_contain_text("剩余 12 天")
    cadre.get_by_label("申请复查的内容和理由").fill("第三季度的招商实绩未计入，请求复核等次")
    cadre.locator("#file").set_input_files(
        files=[{"name": "实绩证明.png", "mimeType": "image/png", "buffer": PNG}]
    )
    assert_fits(cadre)
    screenshot(cadre, "dueprocess-review-request")
    cadre.get_by_role("button", name="提交复核").click()
    expect(cadre.locator(".msg-success")).to_contain_text("2026-12-21")
    review = Case.objects.get(kind="review")

    office = browser.new_page()
    login(office, "region_admin")
    office.goto(f"{live_server.url}/dueprocess/cases/docket/review/")
    expect(office.locator(f"#case-{review.pk}")).to_contain_text("张小明")
    assert_fits(office)
    office.locator(f"#case-{review.pk}").get_by_role("link").click()
    expect(office.locator("#evidence")).to_contain_text("实绩证明.png")
    office.get_by_role("radio", name="变更结果").check()
    office.get_by_label("新的等次（变更结果时）").select_option("excellent")
    office.get_by_label("理由", exact=True).fill("经核实，第三季度招商实绩应予计入，等次变更为优秀")
    assert_fits(office)
    screenshot(office, "dueprocess-review-decide")
    office.get_by_role("button", name="记录决定").click()
    expect(office.locator("#outcome")).to_contain_text("变更结果")
    expect(office.locator("#correction")).to_contain_text("复核决定")

    cadre.goto(f"{live_server.url}/dueprocess/cases/{review.pk}/")
    expect(cadre.locator("#appeal-deadline")).to_contain_text("2026-12-07")
    cadre.get_by_role("link", name="提出申诉").click()
    cadre.get_by_label("申请复查的内容和理由").fill("对复核决定的理由部分不服，提出申诉")
    cadre.get_by_role("button", name="提交申诉").click()
    expect(cadre.locator(".msg-success")).to_contain_text("2027-01-19")
    appeal = Case.objects.get(kind="appeal")

    authority = browser.new_page()
    login(authority, "other_admin")
    authority.goto(f"{live_server.url}/dueprocess/cases/docket/appeal/")
    authority.locator(f"#case-{appeal.pk}").get_by_role("link").click()
    authority.get_by_label("延期理由").fill("需向原单位调取第三季度的招商材料")
    authority.get_by_role("button", name="延长").click()
    expect(authority.locator("#extension")).to_contain_text("需向原单位调取第三季度的招商材料")
    expect(authority.locator("#due")).to_contain_text("2027-02-18")
    expect(authority.get_by_role("button", name="延长")).to_have_count(0)  # once
    authority.get_by_role("radio", name="维持原结果").check()
    authority.get_by_label("理由", exact=True).fill("复核决定认定事实清楚，予以维持")
    assert_fits(authority)
    screenshot(authority, "dueprocess-appeal-decide")
    authority.get_by_role("button", name="记录决定").click()
    expect(authority.locator("#outcome")).to_contain_text("维持原结果")

    assert YearRecord.objects.get(pk=rec.pk).grade == "excellent"
    assert YearRecordCorrection.objects.filter(record=rec).count() == 1
    cadre.goto(f"{live_server.url}/dueprocess/cases/mine/")
    expect(cadre.locator(f"#case-{appeal.pk}")).to_contain_text("维持原结果")
    assert_fits(cadre)
