"""What keeps an open link (a service window's QR code) hard to stuff, with no outside
service and nothing about the respondent in the database:

- a per-device limit: a signed cookie counts this browser's answers per survey;
- a per-address hourly limit: a `Throttle` row keyed by an HMAC of the client's
  address (an IPv6 one by its /64) and the hour (the address itself is written
  nowhere), counted up atomically before the answers are stored;
- a minimum answering time and a small challenge: the form carries a signed token
  (target, issue time, a random nonce, an HMAC of the answer to a sum written in
  words); on submit the signature, the token's age, the answer and the nonce's first
  use are checked. A nonce is spent by inserting a `Throttle` row (the unique key
  refuses the second use, also at the same moment); a form shown again carries a
  follow-on token that keeps the first one's issue time only when this request spent
  the first one's nonce, so one aged token yields at most one aged follow-on.

The `Throttle` rows are written in transactions of their own, never in the one that
stores a response; the daily check deletes the expired ones (`throttles_expire`).

A code link (a household visit's card) needs none of this: its code answers once, and
`services.response_submit` spends it. Also here: the public pages' lookups, which have
no acting user to scope by (the code or the open key is the only credential).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kaohe.core.errors import ApplicationError
from kaohe.core.http import client_address
from kaohe.surveys.errors import SurveyErrorCode
from kaohe.surveys.models import Question, Survey, SurveyPolicy, Target, Throttle, Token
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


# --- Per-address hourly limit: a counter row per address and hour ---------------------

NONCE_PREFIX = "n:"
ADDRESS_PREFIX = "a:"
KEY_LENGTH = 80  # Throttle.key's max_length
COUNT_ATTEMPTS = 5  # a create lost to a concurrent one is retried as an increment


def address_of(raw: str) -> str:
    """The part of a client's address that one respondent holds: an IPv4 address
    itself, an IPv6 one's /64 network (a single household or phone is given a whole
    /64 and may pick any address in it at will). Anything unreadable stays as given."""
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _hour() -> int:
    return int(now() // 3600)


def _address_key(request: HttpRequest, survey: Survey) -> str:
    value = f"{survey.region_id}|{address_of(client_address(request))}|{_hour()}"
    return ADDRESS_PREFIX + salted_hmac(ADDRESS_SALT, value).hexdigest()


def _moment(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _address_refusal() -> ApplicationError:
    return ApplicationError(
        _("Too many answers have come from this network in the last hour. Please try again later."),
        code=SurveyErrorCode.ADDRESS_LIMIT,
    )


def address_check(request: HttpRequest, survey: Survey, policy: SurveyPolicy) -> None:
    """Refuses early (before the form is read) an address already at its limit; the
    count that holds is `address_count_up`'s."""
    count = (
        Throttle.objects.filter(key=_address_key(request, survey))
        .values_list("count", flat=True)
        .first()
    )
    if count is not None and count >= policy.address_hourly_limit:
        raise _address_refusal()


def _count_up(key: str, expires: dt.datetime) -> int:
    """One more on the row `key` (created at 1), atomically: the row is locked while it
    is read and written, and a create that loses to a concurrent one is retried as an
    increment. Its own transaction (a savepoint when called inside one)."""
    for _attempt in range(COUNT_ATTEMPTS):
        try:
            with transaction.atomic():
                row = Throttle.objects.select_for_update().filter(key=key).first()
                if row is None:
                    Throttle.objects.create(key=key, count=1, expires=expires)
                    return 1
                row.count += 1
                row.save(update_fields=["count"])
                return row.count
        except IntegrityError:
            continue
    raise _address_refusal()  # never seen: five lost creates in a row


def address_count_up(request: HttpRequest, survey: Survey, policy: SurveyPolicy) -> None:
    """Counts one answer (or one wrong guess) from this address in this hour, before
    anything is stored, and refuses it when the count passes the limit."""
    hour = _hour()
    count = _count_up(_address_key(request, survey), _moment((hour + 1) * 3600))
    if count > policy.address_hourly_limit:
        raise _address_refusal()


def throttles_expire(today: dt.date) -> int:
    """The daily check's part: deletes the counters and spent nonces that no longer
    refuse anything (a nonce's token is past its age, an address's hour is over), up
    to now and at most to the end of `today`. Returns 0: the daily check adds what its
    functions return to the people it reminded, and this reminds nobody."""
    day_end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
    Throttle.objects.filter(expires__lt=min(_moment(now()), day_end)).delete()
    return 0


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


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_ASCII_DIGITS = frozenset("0123456789")


def read_number(raw: str) -> int | None:
    """A respondent's answer: ASCII or full-width digits, or Chinese numerals up to 99;
    None for anything else. Other Unicode digits ('²', '١') pass str.isdigit() but
    are no answer here: only the listed characters are read, so nothing raises."""
    text = "".join(raw.split()).translate(_FULL_WIDTH)  # split() drops any space, also U+3000
    if text and len(text) <= 3 and set(text) <= _ASCII_DIGITS:
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
    shown again (`challenge_follow_on`), so the minimum time does not restart."""
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
    nonce: str
    mac: str

    @property
    def stale(self) -> bool:
        age = now() - self.issued_at
        return age > CHALLENGE_MAX_SECONDS or age < -60


def challenge_read(target: Target, token: str) -> Checked | None:
    """The token's contents when it is ours, for this target; None otherwise."""
    try:
        data = signing.loads(token, salt=CHALLENGE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("t") != target.pk:
        return None
    at, nonce, mac = data.get("at"), data.get("n"), data.get("h")
    if not isinstance(at, int) or not isinstance(nonce, str) or not isinstance(mac, str):
        return None
    if not nonce or len(NONCE_PREFIX + nonce) > KEY_LENGTH:
        return None
    return Checked(issued_at=float(at), nonce=nonce, mac=mac)


def nonce_spend(checked: Checked) -> bool:
    """Spends the token's nonce: True for its first use, False when it was spent
    before (also by a request at the same moment: the row's unique key decides). Its
    own transaction (a savepoint inside one), kept until the token is past its age."""
    try:
        with transaction.atomic():
            Throttle.objects.create(
                key=NONCE_PREFIX + checked.nonce,
                count=1,
                expires=_moment(checked.issued_at + CHALLENGE_MAX_SECONDS),
            )
    except IntegrityError:
        return False
    return True


def challenge_check(checked: Checked | None, policy: SurveyPolicy, answer: str) -> None:
    """Refuses a form whose challenge is forged, stale, answered too soon, already
    used or answered wrongly. Past the minimum time the token is spent, whether the
    answer is right or not (so a wrong answer is refused as CHALLENGE_WRONG with the
    nonce spent by this request)."""
    if checked is None:
        raise ApplicationError(
            _("This form could not be checked. Please answer it again."),
            code=SurveyErrorCode.CHALLENGE_FAILED,
        )
    if checked.stale:
        raise ApplicationError(
            _("This form was opened too long ago. Please answer it again."),
            code=SurveyErrorCode.CHALLENGE_FAILED,
        )
    if now() - checked.issued_at < policy.min_seconds:
        raise ApplicationError(
            _(
                "The answers came faster than a person can read the questions. "
                "Please check your answers and send them again."
            ),
            code=SurveyErrorCode.TOO_FAST,
        )
    # Spent before the answer is compared: a wrong guess cannot be tried again.
    if not nonce_spend(checked):
        raise ApplicationError(
            _("This form has already been sent. Please answer it again."),
            code=SurveyErrorCode.CHALLENGE_REPLAYED,
        )
    number = read_number(answer)
    if number is None or not constant_time_compare(_answer_mac(checked.nonce, number), checked.mac):
        raise ApplicationError(
            _("The answer to the check question is not right. Please answer the new one."),
            code=SurveyErrorCode.CHALLENGE_WRONG,
        )


def challenge_follow_on(target: Target, checked: Checked | None, *, spent: bool) -> Challenge:
    """The challenge of a form shown again (answers missing, too fast, a wrong answer).
    It keeps the submitted token's issue time only when this request spent that
    token's nonce (`spent`, or spent here now): each token yields at most one follow-on
    with its age, and a token spent before (a replay, a second post of one form)
    yields a follow-on timed from now. A forged or stale token's also starts anew."""
    if checked is None or checked.stale:
        return challenge_new(target)
    if spent or nonce_spend(checked):
        return challenge_new(target, issued_at=checked.issued_at)
    return challenge_new(target)
