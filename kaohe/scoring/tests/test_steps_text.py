"""The stored JSON of a result's steps is what json.dumps gives, however the text reads."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from kaohe.scoring.engine import Step, StepCode
from kaohe.scoring.storage import StepCatalog, StepsText

texts = st.text(max_size=12)  # any characters: quotes, backslashes, controls, CJK
codes = st.sampled_from(list(StepCode))


@given(st.lists(st.tuples(codes, st.dictionaries(texts, texts, max_size=4)), max_size=6))
def test_steps_text_is_json_dumps_of_the_steps(raw: list[tuple[StepCode, dict[str, str]]]) -> None:
    steps = [Step(code, figures) for code, figures in raw]
    text = StepsText()(steps[:2], steps[2:])
    # The code is stored as its plain value: rows stored before the registry read the same.
    expected = [{"code": str(s.code.value), "figures": dict(s.figures)} for s in steps]
    assert json.loads(text) == expected
    assert text == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))


def test_a_step_reads_the_same_in_every_row() -> None:
    shared = Step(StepCode.QUOTA, {"count": "20", "limit": "8"})
    alone = Step(StepCode.SCORE, {"score": "90.00"})
    encode = StepsText()
    first, second = encode([alone, shared]), encode([shared])
    assert second == '[{"code":"quota","figures":{"count":"20","limit":"8"}}]'
    assert first.endswith(second[1:])
    # Figures that are not strings still come out as JSON.
    odd = Step(StepCode.LADDER, {"n": 3})  # type: ignore[dict-item]
    assert json.loads(encode([odd])) == [{"code": "ladder", "figures": {"n": 3}}]


@given(st.lists(st.tuples(codes, st.dictionaries(texts, texts, max_size=4)), max_size=6))
def test_a_year_catalog_reads_back_as_the_steps_text(
    raw: list[tuple[StepCode, dict[str, str]]],
) -> None:
    steps = [Step(code, figures) for code, figures in raw]
    shared = Step(StepCode.QUOTA, {"count": "20", "limit": "8"})
    rows = [steps[:3], [shared, *steps[3:]], [shared, *steps], []]
    catalog = StepCatalog()
    named = [catalog(r) for r in rows]
    texts_of = {number: text for _run, number, text in catalog.rows(7)}
    assert len(texts_of) == len(catalog) == len({id(s) for s in [shared, *steps]})
    for row, numbers in zip(rows, named, strict=True):
        read = "[" + ",".join(texts_of[int(n)] for n in numbers.split(",") if n) + "]"
        assert read == StepsText()(row)
