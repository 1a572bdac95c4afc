"""Every step code is registered once (`engine.StepCode`), and every registered code reads
as a Chinese sentence or a part of the headline formula (`explain`): a step without a
text would vanish from the explanation.

A code added to the registry without a text fails here; a code written as a bare string
instead of a registry member fails mypy (`Step.code` is a `StepCode`) or the scan below
(steps written straight into stored JSON)."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from kaohe.scoring.engine import StepCode
from kaohe.scoring.explain import HEADLINE_CODES, explain, rendered_codes

SCORING = Path(__file__).resolve().parents[1]

# The codes results stored before the registry carry (their steps' JSON): the registry
# keeps each value, or those explanations would lose their lines.
STORED = {
    "part.evaluation", "part.indicators", "part.none", "part.withheld", "adjustment",
    "clipped", "score", "band", "floor", "quota", "rank", "rank.withheld", "quota_pushed",
    "tie", "veto", "not_graded", "grade", "proposed", "annual.role", "annual.democratic",
    "annual.unit_result", "annual.quarterly", "annual.withheld", "annual.composite",
    "annual.quota", "annual.rank", "ladder", "probation", "investigation", "bar.veto",
    "bar.low_quarter", "bar.few_good", "bar.other", "affirmation", "priority", "annual.grade",
}  # fmt: skip


def emitted_codes() -> dict[str, str]:
    """code → where it is registered: every code a step may carry."""
    return {str(code.value): f"engine.StepCode.{code.name}" for code in StepCode}


def test_every_registered_code_has_a_text() -> None:
    with translation.override("zh-hans"):
        rendered = rendered_codes()  # a text keyed by an unregistered code fails here too
    missing = sorted(str(code.value) for code in StepCode if code not in rendered)
    assert not missing, f"step codes without a text: {missing}"
    assert set(StepCode) >= HEADLINE_CODES


def test_the_stored_codes_keep_their_values() -> None:
    assert {str(code.value) for code in StepCode} >= STORED


def _literal_steps(path: Path) -> list[str]:
    """Steps whose code is a string literal: Step("code", …) or {"code": "code", …}."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "Step"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append(f"{path.name}:{node.lineno}")
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "code"
                    and isinstance(value, ast.Constant)
                ):
                    found.append(f"{path.name}:{node.lineno}")
    return found


def test_the_scoring_code_emits_registered_codes_only() -> None:
    literal = [hit for path in sorted(SCORING.glob("*.py")) for hit in _literal_steps(path)]
    assert not literal, f"steps with a bare string code (use engine.StepCode): {literal}"


def _figures() -> defaultdict[str, str]:
    # Any figure a text asks for reads as "1"; the test is about the words around them.
    return defaultdict(lambda: "1")


def _render(step: dict[str, Any]) -> tuple[str, list[str]]:
    with translation.override("zh-hans"):
        return explain([step])


@pytest.mark.parametrize("code", sorted(emitted_codes()))
def test_every_step_code_has_a_chinese_text(code: str) -> None:
    blank = _render({"code": "", "figures": _figures()})
    for figures in ({}, {"role": "main"}, {"role": "other"}):
        fig = _figures()
        fig.update(figures)
        headline, lines = _render({"code": code, "figures": fig})
        assert (headline, lines) != blank, f"step “{code}” has no text: it would vanish"
        for text in (headline, *lines):
            english = re.findall(r"[A-Za-z]{2,}", text)
            assert not english, f"step “{code}” reads untranslated: {text!r}"


def test_the_role_step_reads_for_both_roles() -> None:
    with translation.override("zh-hans"):
        _h, main = explain([{"code": "annual.role", "figures": {"role": "main"}}])
        _h, other = explain([{"code": "annual.role", "figures": {"role": "other"}}])
    assert main and other and main != other
    assert "主要领导" in main[0]
