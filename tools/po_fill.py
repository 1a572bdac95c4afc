"""Fill empty msgstr entries of a .po file from a Python dict of translations.

Usage: python tools/po_fill.py PO_FILE TRANSLATIONS_PY
TRANSLATIONS_PY defines T: {msgid: msgstr, (msgid, msgid_plural): msgstr}; the table
wins over what the file has. Entries makemessages marked fuzzy count as untranslated.
Prints the msgids that are still untranslated.
"""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path


def _unquote(body: str) -> str:
    return (
        "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body)).replace('\\"', '"').replace("\\n", "\n")
    )


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(po_path: str, table_path: str) -> int:
    table = runpy.run_path(table_path)["T"]
    blocks = Path(po_path).read_text(encoding="utf-8").split("\n\n")
    missing: list[str] = []
    out = [blocks[0]]
    for block in blocks[1:]:
        ident = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if not ident:
            out.append(block)
            continue
        msgid = _unquote(ident.group(1))
        plural = re.search(r'^msgid_plural ((?:".*"\n?)+)', block, re.M)
        key = (msgid, _unquote(plural.group(1))) if plural else msgid
        already = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        fuzzy = re.search(r"^#, .*fuzzy", block, re.M) is not None  # makemessages' guesses
        if key not in table:
            if fuzzy or not (already and _unquote(already.group(1))):
                missing.append(msgid)
            out.append(block)
            continue
        head = block[: block.index("msgstr")]
        head = re.sub(r"^#, fuzzy\n", "", head, flags=re.M)
        head = re.sub(r"^#, fuzzy, ", "#, ", head, flags=re.M)
        head = re.sub(r"^#\|.*\n", "", head, flags=re.M)
        if plural:
            out.append(head + "msgstr[0] " + _quote(table[key]))
        else:
            out.append(head + "msgstr " + _quote(table[key]))
    text = "\n\n".join(out)
    text = text.replace(
        '"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n"',
        '"Plural-Forms: nplurals=1; plural=0;\\n"',
    )
    Path(po_path).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    for msgid in missing:
        print("untranslated:", msgid)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
