"""Printing the official forms: a unit head opens the unit page at 375 px and at
1366 px, finds the 打印考核登记表 box and downloads the unit's 年度考核登记表 as one PDF
whose text names everyone and their grades; a cadre downloads their own quarter's form
from their results page."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from pytest_django.live_server_helper import LiveServer

from kaohe.outcomes.tests.test_forms_pdf import YEAR, filled  # noqa: F401  (fixture)
from kaohe.testing import World
from tests.browser.conftest import assert_fits, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _download(page: Page, link: str, tmp_path: Path) -> list[str]:
    with page.expect_download() as info:
        page.locator(link).first.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    target = tmp_path / "form.pdf"
    download.save_as(target)
    content = target.read_bytes()
    assert content.startswith(b"%PDF-")
    return [
        re.sub(r"\s+", "", p.extract_text() or "") for p in PdfReader(io.BytesIO(content)).pages
    ]


def test_a_unit_head_prints_the_units_annual_forms(
    browser: Browser,
    live_server: LiveServer,
    filled: World,  # noqa: F811
    login: Callable[[Page, str], None],
    tmp_path: Path,
) -> None:
    page = browser.new_context(accept_downloads=True).new_page()
    login(page, "unit_head")
    page.goto(f"{live_server.url}/org/units/{filled.bureau.pk}/")
    box = page.get_by_role("region", name="打印考核登记表")
    expect(box).to_be_visible()
    expect(box.get_by_role("link", name="年度考核登记表").first).to_be_visible()
    assert_fits(page)
    screenshot(page, "forms-unit-box")
    pages = _download(page, f'a[href$="/{filled.bureau.pk}/{YEAR}/annual.pdf"]', tmp_path)
    assert len(pages) == 3
    text = "".join(pages)
    for name in ("王建国", "李文华", "张小明"):
        assert name in text
    assert "考核等次：优秀" in text and "考核等次：称职" in text


def test_a_cadre_prints_their_own_quarters_form_from_their_results(
    browser: Browser,
    live_server: LiveServer,
    filled: World,  # noqa: F811
    login: Callable[[Page, str], None],
    tmp_path: Path,
) -> None:
    page = browser.new_context(accept_downloads=True).new_page()
    login(page, "cadre")
    page.goto(f"{live_server.url}/scoring/mine/")
    expect(page.get_by_role("link", name="打印登记表").first).to_be_visible()
    assert_fits(page)
    cadre = filled.people["cadre"]
    (form,) = _download(page, f'a[href$="/person/{cadre.pk}/{YEAR}/q1.pdf"]', tmp_path)
    assert "公务员平时考核登记表" in form and "张小明" in form and "审定等次：好" in form
