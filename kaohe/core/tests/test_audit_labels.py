"""Every audit action the code base can write is a registered kind with a Chinese label;
the audit page and its filter show labels, not codes.

`audit_record` takes an `AuditAction` (or an `admin_action`), which mypy checks; the scan
here reads the source (ast) for the same rule at test time: no call passes its action as
a string of its own making, so no unregistered code reaches the log.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kaohe.core.audit import audit_record
from kaohe.core.audit_actions import AuditAction
from kaohe.core.audit_labels import action_label
from kaohe.notices.models import ReminderKind
from kaohe.notices.services import REMINDER_ACTIONS
from kaohe.reviews.models import RoundState
from kaohe.reviews.services import ROUND_STATE_ACTIONS
from kaohe.testing import World

KAOHE = Path(__file__).resolve().parents[2]


def _sources() -> Iterator[Path]:
    for path in sorted(KAOHE.rglob("*.py")):
        if not {"tests", "migrations"} & set(path.parts):
            yield path


def _strings(node: ast.expr) -> Iterator[ast.expr]:
    """The parts of an action expression that make a code of their own: string
    constants and f-strings, in either arm of `a if c else b`."""
    if isinstance(node, ast.Constant | ast.JoinedStr):
        yield node
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)


def test_no_audit_action_is_a_string_of_its_own() -> None:
    found = []
    calls = 0
    for path in _sources():
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "audit_record"):
                continue
            calls += 1
            for keyword in call.keywords:
                if keyword.arg == "action" and any(_strings(keyword.value)):
                    found.append(f"{path.relative_to(KAOHE.parent)}:{call.lineno}")
    assert calls > 50  # the scan sees the services' calls
    assert found == [], "pass an AuditAction (kaohe/core/audit_actions.py), not a string"


def test_every_round_state_and_reminder_has_an_action() -> None:
    assert set(ROUND_STATE_ACTIONS) == set(RoundState)
    # The ballot-due reminder is the daily job's own (notices.daily), not an admin's send.
    assert set(REMINDER_ACTIONS) == set(ReminderKind) - {ReminderKind.BALLOT_DUE}


def test_labels_read_in_chinese() -> None:
    with translation.override("zh-hans"):
        english = {str(code): action_label(code) for code in AuditAction.values}
        english = {c: t for c, t in english.items() if re.search(r"[A-Za-z]{2,}", t)}
        assert english == {}
        assert action_label("admin.unityearresult.change") == "后台修改：单位年度结果"
        assert action_label("admin.workdayoverride.add").startswith("后台新增：")


@pytest.mark.django_db
def test_the_page_and_its_filter_show_labels(
    world: World, client_as: Callable[[str], Client]
) -> None:
    audit_record(actor=world.users["cadre"], action=AuditAction.AUTH_LOGIN, region=world.region)
    audit_record(actor=None, action=AuditAction.ORG_ROSTER_IMPORT, region=world.region)
    page = client_as("region_admin").get(reverse("audit_log")).content.decode()
    assert "导入人员名册" in page and '<option value="auth.login">登录</option>' in page
    assert ">auth.login<" not in page and ">org.roster.import<" not in page
