"""Every user-facing string has a zh-hans translation, and none is a fuzzy guess."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    blocks = PO.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = []
    for block in blocks:
        msgid = "".join(re.findall(r'^msgid "(.*)"', block, re.M))
        msgstr = re.findall(r'^msgstr(?:\[0\])? "(.*)"', block, re.M)
        continued = re.findall(r'^"(.*)"', block.split("msgstr", 1)[-1], re.M)
        if not "".join(msgstr + continued) or re.search(r"^#, .*fuzzy", block, re.M):
            untranslated.append(msgid or block[:80])
    assert untranslated == []


def _unquote(parts: list[str]) -> str:
    return "".join(parts).replace('\\"', '"').replace("\\n", "\n")


def test_the_compiled_catalogue_matches_its_source() -> None:
    """A .po edited without `make messages` would ship stale Chinese: compare them."""
    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for block in PO.read_text(encoding="utf-8").split("\n\n")[1:]:
        if "msgid_plural" in block:
            continue
        head, _sep, tail = block.partition("msgstr ")
        msgid = _unquote(re.findall(r'"(.*)"', head.split("msgid ", 1)[-1]))
        msgstr = _unquote(re.findall(r'"(.*)"', tail))
        context = re.search(r'^msgctxt "(.*)"', head, re.M)
        # A msgid with a context ("Name" of a thing, 名称, beside a person's 姓名).
        found = compiled.pgettext(context.group(1), msgid) if context else compiled.gettext(msgid)
        if msgid and found != msgstr:
            stale.append(msgid)
    assert stale == []
