"""Every audit action the code base can write has a Chinese label; the audit page and its
filter show labels, not codes.

The actions are read from the source (ast): any `action=` argument of a call, and the
positional argument of a function whose parameter is named `action` (helpers such as
scoring's `_set_state(..., "scoring.quarter.confirm")`). f-strings become patterns whose
free parts must match at least one label (``reviews.round.{to}``).
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
from kaohe.core.audit_labels import ACTION_LABELS, action_label
from kaohe.reviews.models import RoundState
from kaohe.testing import World

KAOHE = Path(__file__).resolve().parents[2]
ACTION = re.compile(r"^[a-z_]+(?:\.[a-z_]+)+$")


def _sources() -> Iterator[Path]:
    for path in sorted(KAOHE.rglob("*.py")):
        if not {"tests", "migrations"} & set(path.parts):
            yield path


def _patterns(node: ast.expr, constants: dict[str, ast.expr] | None = None) -> Iterator[str]:
    """Regexes of the strings an expression can be: constants, module-level names bound to
    one, both arms of `a if c else b`, and f-strings with their free parts as wildcards."""
    constants = constants or {}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield re.escape(node.value)
    elif isinstance(node, ast.Name) and node.id in constants:
        yield from _patterns(constants[node.id])
    elif isinstance(node, ast.IfExp):
        yield from _patterns(node.body, constants)
        yield from _patterns(node.orelse, constants)
    elif isinstance(node, ast.JoinedStr):
        pieces: list[list[str]] = [[]]
        for part in node.values:
            if isinstance(part, ast.Constant):
                options = [re.escape(str(part.value))]
            else:
                assert isinstance(part, ast.FormattedValue)
                options = list(_patterns(part.value)) or ["[a-z_]+"]
            pieces = [[*p, o] for p in pieces for o in options]
        yield from ("".join(p) for p in pieces)


def action_patterns() -> dict[str, str]:
    """pattern → where it was written."""
    found: dict[str, str] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        # Functions of this module taking `action`, and its position.
        takes: dict[str, int] = {}
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef):
                names = [a.arg for a in fn.args.args]
                if "action" in names:
                    takes[fn.name] = names.index("action")
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            exprs = [kw.value for kw in call.keywords if kw.arg == "action"]
            name = call.func.id if isinstance(call.func, ast.Name) else None
            if name in takes and len(call.args) > takes[name]:
                exprs.append(call.args[takes[name]])
            for expr in exprs:
                for pattern in _patterns(expr, constants):
                    plain = pattern.replace("\\", "")
                    # argparse's action="store_true" and the like are not audit actions.
                    if ACTION.match(plain) or "[a-z_]+" in pattern:
                        found.setdefault(pattern, f"{path.relative_to(KAOHE.parent)}:{call.lineno}")
    return found


def test_the_scan_finds_known_actions() -> None:
    patterns = action_patterns()
    for known in ("auth\\.login", "scoring\\.quarter\\.confirm", "worklogs\\.summary\\.create"):
        assert known in patterns
    assert "reviews\\.round\\.[a-z_]+" in patterns


def test_every_audit_action_in_the_code_has_a_label() -> None:
    missing = []
    for pattern, where in action_patterns().items():
        if pattern.startswith("admin\\."):
            continue  # labelled from the model's verbose name, tested below
        if not any(re.fullmatch(pattern, code) for code in ACTION_LABELS):
            missing.append(f"{pattern.replace(chr(92), '')} ({where})")
    assert missing == [], "audit actions without a label in kaohe/core/audit_labels.py"


def test_every_round_state_has_a_label() -> None:
    assert {f"reviews.round.{s}" for s in RoundState.values} <= set(ACTION_LABELS)


def test_labels_read_in_chinese() -> None:
    with translation.override("zh-hans"):
        english = {code: action_label(code) for code in ACTION_LABELS}
        english = {c: t for c, t in english.items() if re.search(r"[A-Za-z]{2,}", t)}
        assert english == {}
        assert action_label("admin.unitannualscore.change") == "后台修改：单位年度综合考核结果"
        assert action_label("admin.workdayoverride.add").startswith("后台新增：")


@pytest.mark.django_db
def test_the_page_and_its_filter_show_labels(
    world: World, client_as: Callable[[str], Client]
) -> None:
    audit_record(actor=world.users["cadre"], action="auth.login", region=world.region)
    audit_record(actor=None, action="org.roster.import", region=world.region)
    page = client_as("region_admin").get(reverse("audit_log")).content.decode()
    assert "导入人员名册" in page and '<option value="auth.login">登录</option>' in page
    assert ">auth.login<" not in page and ">org.roster.import<" not in page
