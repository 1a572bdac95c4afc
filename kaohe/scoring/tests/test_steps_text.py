"""The stored JSON of a result's steps is what json.dumps gives, however the text reads."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from kaohe.scoring.engine import Step
from kaohe.scoring.storage import StepsText

texts = st.text(max_size=12)  # any characters: quotes, backslashes, controls, CJK


@given(st.lists(st.tuples(texts, st.dictionaries(texts, texts, max_size=4)), max_size=6))
def test_steps_text_is_json_dumps_of_the_steps(raw: list[tuple[str, dict[str, str]]]) -> None:
    steps = [Step(code, figures) for code, figures in raw]
    text = StepsText()(steps[:2], steps[2:])
    expected = [{"code": s.code, "figures": dict(s.figures)} for s in steps]
    assert json.loads(text) == expected
    assert text == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))


def test_a_step_reads_the_same_in_every_row() -> None:
    shared, alone = Step("quota", {"count": "20", "limit": "8"}), Step("score", {"score": "90.00"})
    encode = StepsText()
    first, second = encode([alone, shared]), encode([shared])
    assert second == '[{"code":"quota","figures":{"count":"20","limit":"8"}}]'
    assert first.endswith(second[1:])
    # Figures that are not strings still come out as JSON.
    assert json.loads(encode([Step("x", {"n": 3})])) == [{"code": "x", "figures": {"n": 3}}]  # type: ignore[dict-item]
