"""The ballot page: one summary for a refusal and each field marked, typed values
kept; the "submitted once" confirmation only after the server has checked."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.reviews.models import DraftBallot, Participation, ReviewRound
from kaohe.reviews.tests.fixtures import bureau_unit, folded
from kaohe.reviews.tests.test_rounds import ballot
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def form(values: Mapping[str, object], action: str) -> dict[str, object]:
    return {**{f"score_{k}": v for k, v in values.items()}, "action": action}


def test_a_refusal_is_one_summary_with_each_field_marked_and_values_kept(
    big: World,
    q1: ReviewRound,
    client_as: Callable[[str], Client],
) -> None:
    ru = bureau_unit(q1, big)
    values = ballot(big, "B00", ru)
    keys = list(values)
    for key in keys[:4]:
        values[key] = 95  # 4 high scores, 3 allowed
    values[keys[4]] = "abc"
    values[keys[5]] = ""
    url = reverse("reviews:ballot", args=[ru.pk])
    page = client_as("B00").post(url, form(values, "check")).content.decode()
    # One summary: 3 problems (high scores, a bad number, an empty score).
    assert page.count('role="alert"') == 1 and "有 3 处问题：请修改标出的栏目。" in page
    assert "最多 3 人" in page  # the high-score rule is named in the summary
    assert 'class="messages"' not in page or "msg-error" not in page
    for key in keys[:4]:
        field = re.search(rf'<input[^>]*name="score_{key}"[^>]*>', page)
        assert field and 'aria-invalid="true"' in field[0] and 'value="95"' in field[0]
        assert f'aria-describedby="err-{key}"' in field[0]
        assert f'id="err-{key}">此项是 4 个 90 分及以上的高分之一；最多允许 3 个。' in page
    assert f'id="err-{keys[4]}">请填写 50 至 100 之间的整数。' in page
    assert f'id="err-{keys[5]}">尚未打分。' in page
    assert 'value="abc"' in page
    untouched = re.search(rf'<input[^>]*name="score_{keys[6]}"[^>]*>', page)
    assert untouched and "aria-invalid" not in untouched[0]
    assert 'id="ballot-confirm"' not in page and not Participation.objects.exists()


def test_the_confirmation_comes_after_the_check_and_the_second_post_submits(
    big: World,
    q1: ReviewRound,
    client_as: Callable[[str], Client],
) -> None:
    ru = bureau_unit(q1, big)
    values = ballot(big, "B00", ru)
    url = reverse("reviews:ballot", args=[ru.pk])
    client = client_as("B00")
    page = client.get(url).content.decode()
    assert "data-confirm" not in page  # no browser dialog before the server's check
    page = client.post(url, form(values, "check")).content.decode()
    assert 'id="ballot-confirm"' in page and "选票已通过检查：共 11 人" in page
    assert "选票只能提交一次，提交后不能修改。" in page
    assert not Participation.objects.exists() and not DraftBallot.objects.exists()
    # Back to change: the form again, as typed, nothing written.
    page = client.post(url, form(values, "edit")).content.decode()
    assert 'id="ballot-confirm"' not in page and f'value="{values[next(iter(values))]}"' in page
    response = client.post(url, form(values, "submit"))
    assert response.status_code == 302 and Participation.objects.count() == 1
    assert sum(e.count for e in folded(q1).values()) == 11


def test_the_submission_is_checked_again_on_the_server(
    big: World,
    q1: ReviewRound,
    client_as: Callable[[str], Client],
) -> None:
    ru = bureau_unit(q1, big)
    values = ballot(big, "B00", ru)
    for key in list(values)[:5]:
        values[key] = 99  # edited past the check (a forged second POST)
    page = client_as("B00").post(reverse("reviews:ballot", args=[ru.pk]), form(values, "submit"))
    assert page.status_code == 200 and 'id="ballot-problems"' in page.content.decode()
    assert not Participation.objects.exists()


def test_a_ballot_that_tells_nobody_apart_is_refused_at_the_check(
    big: World,
    q1: ReviewRound,
    client_as: Callable[[str], Client],
) -> None:
    ru = bureau_unit(q1, big)
    values = dict.fromkeys(ballot(big, "B00", ru), 80)
    page = client_as("B00").post(reverse("reviews:ballot", args=[ru.pk]), form(values, "check"))
    html = page.content.decode()
    assert "有 1 处问题" in html and "您给所有人打了同样的分数" in html
    assert 'id="ballot-confirm"' not in html


def test_a_superscript_or_full_width_score_is_read_or_refused_never_a_500(
    big: World,
    q1: ReviewRound,
    client_as: Callable[[str], Client],
) -> None:
    # str.isdigit() takes "²", which int() cannot read; "８５" (full width) is a number.
    ru = bureau_unit(q1, big)
    values = ballot(big, "B00", ru)
    keys = list(values)
    values[keys[0]] = "８５"
    values[keys[1]] = "9²"
    url = reverse("reviews:ballot", args=[ru.pk])
    client = client_as("B00")
    client.raise_request_exception = False
    response = client.post(url, form(values, "check"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="err-{keys[1]}">请填写 50 至 100 之间的整数。' in page
    assert f'id="err-{keys[0]}"' not in page
