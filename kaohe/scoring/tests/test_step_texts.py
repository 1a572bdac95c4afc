"""Every step code the scoring code can emit reads as a Chinese sentence (or a part of the
headline formula): a step without a text would vanish from the explanation.

The codes are read from the source itself (ast), so a step added later — in the engine or
in the services — is checked without anyone updating a list here.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections import defaultdict
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from kaohe.scoring.explain import explain

SCORING = Path(__file__).resolve().parents[1]
# Step codes are lowercase words with underscores, optionally dotted ("annual.role").
CODE = re.compile(r"^[a-z]+(?:_[a-z]+)*(?:\.[a-z]+(?:_[a-z]+)*)*$")
DOTTED = re.compile(r"^[a-z]+(?:_[a-z]+)*(?:\.[a-z]+(?:_[a-z]+)*)+$")


def _sources() -> list[Path]:
    return [p for p in sorted(SCORING.glob("*.py")) if p.name != "explain.py"]


def emitted_codes() -> dict[str, str]:
    """code → where it was found. Three shapes: Step("code", …); {"code": "code", …} (a
    step written straight into stored JSON); and, in the engine, any dotted literal, because
    part codes reach Step(code, …) through tables of (code, weight)."""
    found: dict[str, str] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            code: str | None = None
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Step"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                code = node.args[0].value
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Step"
                and node.args
                and isinstance(node.args[0], ast.Attribute)
            ):
                code = _member(path, node.args[0])
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (
                        isinstance(key, ast.Constant)
                        and key.value == "code"
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                        and CODE.match(value.value)
                    ):
                        code = value.value
            elif (
                path.name == "engine.py"
                and isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and DOTTED.match(node.value)
            ):
                code = node.value
            elif (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.endswith("code")
            ):
                # band_code = "floor" if by_rank else "band": each literal is a code.
                for leaf in ast.walk(node.value):
                    if (
                        isinstance(leaf, ast.Constant)
                        and isinstance(leaf.value, str)
                        and CODE.match(leaf.value)
                    ):
                        found.setdefault(leaf.value, f"{path.name}:{node.lineno}")
            if code is not None:
                found.setdefault(code, f"{path.name}:{getattr(node, 'lineno', '?')}")
    for code, where in _enum_codes().items():
        found.setdefault(code, where)
    return found


def _member(path: Path, node: ast.Attribute) -> str | None:
    """Step(SomeEnum.MEMBER, …): the member's value, read from the imported module."""
    module = importlib.import_module(f"kaohe.scoring.{path.stem}")
    try:
        value = eval(ast.unparse(node), vars(module))  # noqa: S307 - our own source
    except Exception:  # not an enum member after all
        return None
    return str(value.value if isinstance(value, Enum) else value)


def _enum_codes() -> dict[str, str]:
    """Members of an enumeration of step codes in the engine (a class named …Step…)."""
    from kaohe.scoring import engine

    return {
        str(member.value): f"engine.py:{cls.__name__}"
        for cls in vars(engine).values()
        if isinstance(cls, type) and issubclass(cls, Enum) and "Step" in cls.__name__
        for member in cls
    }


def test_the_source_scan_finds_the_known_codes() -> None:
    """Guards the scan itself: if these go missing, the parsing above broke."""
    codes = emitted_codes()
    known_codes = ("band", "quota", "annual.role", "part.evaluation", "annual.quarterly")
    for known in (*known_codes, "proposed"):
        assert known in codes


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
