"""What keeps an open link (a service window's QR code) hard to stuff, with no outside
service and nothing about the respondent in the database:

- a per-device limit: a signed cookie counts this browser's answers per survey;
- a per-address hourly limit: a counter in Django's cache, keyed by an HMAC of the
  client's address and the hour (the address itself is written nowhere);
- a minimum answering time and a small challenge: the form carries a signed token
  (target, issue time, a random nonce, an HMAC of the answer to a sum written in
  words); on submit the signature, the token's age, the answer and the nonce's first
  use are checked.

A code link (a household visit's card) needs none of this: its code answers once, and
`services.response_submit` spends it. Also here: the public pages' lookups, which have
no acting user to scope by (the code or the open key is the only credential).
"""

from __future__ import annotations

import secrets
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kaohe.core.errors import ApplicationError
from kaohe.core.http import client_address
from kaohe.surveys.errors import SurveyErrorCode
from kaohe.surveys.models import Question, Survey, SurveyPolicy, Target, Token
from kaohe.surveys.services import token_digest

DEVICE_COOKIE = "kaohe_survey_device"
DEVICE_SALT = "kaohe.surveys.public.device"
DEVICE_COOKIE_SECONDS = 400 * 24 * 3600  # browsers cap a cookie's life at 400 days
DEVICE_SURVEYS_KEPT = 30  # the cookie remembers this many surveys, the latest ones
CHALLENGE_SALT = "kaohe.surveys.public.challenge"
CHALLENGE_MAX_SECONDS = 4 * 3600  # a form left open longer is given a new challenge
ADDRESS_SALT = "kaohe.surveys.public.address"
ANSWER_SALT = "kaohe.surveys.public.answer"
CODE_PATTERN = "[A-Za-z0-9_-]{8,64}"
OPEN_KEY_PATTERN = "[A-Za-z0-9_-]{8,32}"


def now() -> float:
    """The clock of the challenge (seconds); tests move it."""
    return time.time()


# --- Lookups of the public pages --------------------------------------------------------


def target_for_code(code: str) -> tuple[Target, Token] | None:
    """The target a household code belongs to, and its token row; None for an unknown code."""
    token = (
        Token.objects.select_related("target__survey", "target__unit", "target__person")
        .filter(digest=token_digest(code))
        .first()
    )
    return None if token is None else (token.target, token)


def target_for_open_key(key: str) -> Target | None:
    """The service window whose open link this is; None for an unknown key."""
    if not key:
        return None
    return Target.objects.select_related("survey", "unit", "person").filter(open_key=key).first()


def questions_of(survey: Survey) -> list[Question]:
    return list(Question.objects.filter(survey=survey).order_by("position"))


# --- Per-device limit: a signed cookie ---------------------------------------------------


def device_counts(request: HttpRequest) -> dict[str, int]:
    """This browser's answers per survey id, as its signed cookie says; a missing,
    altered or malformed cookie counts nothing (clearing cookies is the limit's known
    way round, which the address limit and the challenge bound)."""
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    if not raw:
        return {}
    try:
        data = signing.loads(raw, salt=DEVICE_SALT, max_age=DEVICE_COOKIE_SECONDS)
    except signing.BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, int) and v > 0}


def device_check(request: HttpRequest, survey: Survey, policy: SurveyPolicy) -> None:
    if device_counts(request).get(str(survey.pk), 0) >= policy.device_limit:
        raise ApplicationError(
            _("This device has already answered this survey. Thank you for your time."),
            code=SurveyErrorCode.DEVICE_LIMIT,
        )


def device_count_up(request: HttpRequest, response: HttpResponse, survey: Survey) -> None:
    """Writes the cookie with one more answer to `survey`."""
    counts = device_counts(request)
    key = str(survey.pk)
    counts[key] = counts.pop(key, 0) + 1  # re-inserted last: the latest are kept
    kept = dict(list(counts.items())[-DEVICE_SURVEYS_KEPT:])
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(kept, salt=DEVICE_SALT, compress=True),
        max_age=DEVICE_COOKIE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


# --- Per-address hourly limit: a counter in the cache ------------------------------------


def _address_key(request: HttpRequest, survey: Survey) -> str:
    hour = int(now() // 3600)
    value = f"{survey.region_id}|{client_address(request)}|{hour}"
    return "survey-address:" + salted_hmac(ADDRESS_SALT, value).hexdigest()


def address_check(request: HttpRequest, survey: Survey, policy: SurveyPolicy) -> None:
    count = cache.get(_address_key(request, survey), 0)
    if isinstance(count, int) and count >= policy.address_hourly_limit:
        raise ApplicationError(
            _(
                "Too many answers have come from this network in the last hour. "
                "Please try again later."
            ),
            code=SurveyErrorCode.ADDRESS_LIMIT,
        )


def address_count_up(request: HttpRequest, survey: Survey) -> None:
    key = _address_key(request, survey)
    cache.add(key, 0, timeout=3600)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout=3600)


# --- Minimum time and the challenge ---------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def _number_words(n: int) -> str:
    words = {
        1: pgettext("challenge number", "one"),
        2: pgettext("challenge number", "two"),
        3: pgettext("challenge number", "three"),
        4: pgettext("challenge number", "four"),
        5: pgettext("challenge number", "five"),
        6: pgettext("challenge number", "six"),
        7: pgettext("challenge number", "seven"),
        8: pgettext("challenge number", "eight"),
        9: pgettext("challenge number", "nine"),
    }
    return words[n]


def read_number(raw: str) -> int | None:
    """A respondent's answer: digits (half or full width) or Chinese numerals up to 99."""
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    if text.isascii() and text.isdigit() and len(text) <= 3:
        return int(text)
    if not text or len(text) > 3 or any(c not in _DIGITS + "十" for c in text):
        return None
    if "十" not in text:
        return _DIGITS.index(text) if len(text) == 1 else None
    tens, _sep, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_DIGITS.index(tens) if tens else 1) * 10 + (_DIGITS.index(ones) if ones else 0)


def _answer_mac(nonce: str, answer: int) -> str:
    return salted_hmac(ANSWER_SALT, f"{nonce}:{answer}").hexdigest()


@dataclass(frozen=True, slots=True)
class Challenge:
    """A form's challenge: the signed token the form carries and the question it shows.
    `answer` is never shown; tests read it."""

    token: str
    question: str
    answer: int


def challenge_new(target: Target, *, issued_at: float | None = None) -> Challenge:
    """A new sum to answer. `issued_at` carries the first form's time over to a form
    shown again (a wrong answer, a missing one), so the minimum time does not restart."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_urlsafe(12)
    at = int(now() if issued_at is None else issued_at)
    token = signing.dumps(
        {"t": target.pk, "at": at, "n": nonce, "h": _answer_mac(nonce, a + b)},
        salt=CHALLENGE_SALT,
    )
    question = _("What is %(a)s plus %(b)s?") % {"a": _number_words(a), "b": _number_words(b)}
    return Challenge(token=token, question=question, answer=a + b)


@dataclass(frozen=True, slots=True)
class Checked:
    """What a submitted challenge token says, once its signature is good."""

    issued_at: float


def challenge_read(target: Target, token: str) -> Checked | None:
    """The token's issue time when it is ours, for this target; None otherwise."""
    try:
        data = signing.loads(token, salt=CHALLENGE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("t") != target.pk:
        return None
    at = data.get("at")
    return Checked(issued_at=float(at)) if isinstance(at, int) else None


def challenge_check(target: Target, policy: SurveyPolicy, token: str, answer: str) -> None:
    """Refuses a form whose challenge is forged, stale, answered too soon, already
    used or answered wrongly. Past the minimum time the token is spent (its nonce
    added to the cache), whether the answer is right or not."""
    try:
        data = signing.loads(token, salt=CHALLENGE_SALT)
    except signing.BadSignature:
        data = None
    if (
        not isinstance(data, dict)
        or data.get("t") != target.pk
        or not isinstance(data.get("at"), int)
        or not isinstance(data.get("n"), str)
        or not isinstance(data.get("h"), str)
    ):
        raise ApplicationError(
            _("This form could not be checked. Please answer it again."),
            code=SurveyErrorCode.CHALLENGE_FAILED,
        )
    age = now() - data["at"]
    if age > CHALLENGE_MAX_SECONDS or age < -60:
        raise ApplicationError(
            _("This form was opened too long ago. Please answer it again."),
            code=SurveyErrorCode.CHALLENGE_FAILED,
        )
    if age < policy.min_seconds:
        raise ApplicationError(
            _(
                "The answers came faster than a person can read the questions. "
                "Please check your answers and send them again."
            ),
            code=SurveyErrorCode.TOO_FAST,
        )
    # Spent before the answer is compared: a wrong guess cannot be tried again.
    if not cache.add(f"survey-nonce:{data['n']}", 1, timeout=CHALLENGE_MAX_SECONDS + 120):
        raise ApplicationError(
            _("This form has already been sent. Please answer it again."),
            code=SurveyErrorCode.CHALLENGE_REPLAYED,
        )
    number = read_number(answer)
    if number is None or not constant_time_compare(_answer_mac(data["n"], number), data["h"]):
        raise ApplicationError(
            _("The answer to the check question is not right. Please answer the new one."),
            code=SurveyErrorCode.CHALLENGE_WRONG,
        )
