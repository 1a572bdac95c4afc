"""Every string our code marks for translation is in the zh-hans catalogue.

The crawl (tests/attacks/test_wording_crawl.py) reads the pages it reaches; this reads
the source, so a refusal message or a page no persona reaches in the crawl cannot show
English either: a msgid added without its .po entry fails here, naming file and line.
"""

from __future__ import annotations

import ast
import gettext
import re
from collections.abc import Iterator
from pathlib import Path

from django.utils import translation

KAOHE = Path(__file__).resolve().parents[2]
MO = KAOHE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop", "_lazy"}
CONTEXT = {"pgettext", "pgettext_lazy"}
PLURAL = {"ngettext", "ngettext_lazy"}

TRANSLATE = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<id>.*?)(?P=q)"""
    r"""(?:\s+context\s+(?P<cq>["'])(?P<ctx>.*?)(?P=cq))?""",
    re.S,
)
BLOCK = re.compile(
    r"\{%\s*(?:blocktranslate|blocktrans)(?P<args>[^%]*)%\}(?P<body>.*?)"
    r"\{%\s*(?:endblocktranslate|endblocktrans)\s*%\}",
    re.S,
)


def _catalogue() -> set[str]:
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    keys: set[str] = set()
    for key in compiled._catalog:  # type: ignore[attr-defined]
        keys.add(key[0] if isinstance(key, tuple) else key)
    return keys


def _const(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _python() -> Iterator[tuple[str, str]]:
    for path in sorted(KAOHE.rglob("*.py")):
        if {"tests", "migrations"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            where = f"{path.relative_to(KAOHE.parent)}:{node.lineno}"
            args = [_const(a) for a in node.args]
            if name in SINGULAR and args and args[0]:
                yield args[0], where
            elif name in CONTEXT and len(args) >= 2 and args[0] and args[1]:
                yield f"{args[0]}\x04{args[1]}", where
            elif name in PLURAL and args and args[0]:
                yield args[0], where


def _block_msgid(args: str, body: str) -> list[str]:
    body = body.split("{% plural %}")[0]
    if "trimmed" in args:
        body = " ".join(line.strip() for line in body.strip().splitlines() if line.strip())
    msgid = re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", body.replace("%", "%%"))
    context = re.search(r"""context\s+["'](.*?)["']""", args)
    return [f"{context.group(1)}\x04{msgid}" if context else msgid]


def _templates() -> Iterator[tuple[str, str]]:
    for path in sorted(KAOHE.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(KAOHE.parent))
        for m in TRANSLATE.finditer(text):
            msgid = m.group("id").replace("%", "%%")  # as the tag looks it up
            yield (f"{m.group('ctx')}\x04{msgid}" if m.group("ctx") else msgid), where
        for m in BLOCK.finditer(text):
            for msgid in _block_msgid(m.group("args"), m.group("body")):
                yield msgid, where


def _django_translates(msgid: str) -> bool:
    """Django's own catalogue has it ("Yes", "Username")."""
    with translation.override("zh-hans"):
        if "\x04" in msgid:
            context, text = msgid.split("\x04")
            return bool(translation.pgettext(context, text) != text)
        return bool(translation.gettext(msgid) != msgid)


def test_every_marked_string_is_in_the_catalogue() -> None:
    known = _catalogue()
    missing = sorted(
        {
            f"{msgid.replace(chr(4), ' | ')!r} ({where})"
            for msgid, where in (*_python(), *_templates())
            # A msgid of Chinese only needs no entry: it reads the same untranslated.
            if msgid not in known
            and re.search(r"[A-Za-z]{2,}", msgid.split("\x04")[-1])
            and not _django_translates(msgid)
        }
    )
    assert missing == [], "add these to django.po (then msgfmt):\n" + "\n".join(missing)


def test_the_scan_reads_the_three_shapes() -> None:
    python = {m for m, _w in _python()}
    templates = {m for m, _w in _templates()}
    assert "Signed in" in python  # gettext_noop in core/audit_labels.py
    assert "thing\x04Name" in templates  # {% translate "Name" context "thing" %}
    assert any("%(years)s" in m for m in templates)  # a blocktranslate with a variable
