"""Item 22: a Content-Security-Policy that every page satisfies.

The browser test (tests/browser/test_security.py) loads the main pages and fails on
any violation chromium reports; this one scans every template for what the policy
forbids, so a new inline handler or style attribute fails fast, without a browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(ROOT.glob("**/templates/**/*.html"))

FORBIDDEN = {
    "an inline style attribute": re.compile(r"\sstyle\s*=", re.I),
    "a <style> element": re.compile(r"<style\b", re.I),
    "an inline event handler": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
    "an inline <script> without the nonce": re.compile(
        r"<script(?![^>]*\b(?:src|nonce)=)(?![^>]*type=\"application/json\")[^>]*>", re.I
    ),
}


def test_the_templates_were_found() -> None:
    assert len(TEMPLATES) > 40


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_what_the_policy_forbids(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    found = [what for what, pattern in FORBIDDEN.items() if pattern.search(text)]
    assert not found, f"{template.relative_to(ROOT)} has {', '.join(found)}"


@pytest.mark.django_db
def test_every_page_carries_the_policy_and_its_scripts_the_nonce(
    client_as: Callable[[str], Client],
) -> None:
    response = client_as("cadre").get(reverse("worklogs:today"))
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None, policy
    assert "default-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert f'<script nonce="{nonce.group(1)}">' in response.content.decode()
    login = Client().get(reverse("login"))
    assert "default-src 'self'" in login["Content-Security-Policy"]
