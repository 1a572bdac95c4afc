"""How a message leaves kaohe: email and the group robots of 企业微信 and 钉钉.

A sender takes the channel, the text and the recipients' addresses and either
returns or raises `DeliveryError` with a short reason; the caller records it and
retries. Adding a channel kind is a function here and a row in `SENDERS`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

from kaohe.notices.models import Channel, ChannelKind
from kaohe.notices.targets import HOST_REFUSED, host_refused

# A robot that does not answer within this many seconds counts as failed; the
# attempt runs in the worker, so a slow robot delays other jobs by at most this.
WEBHOOK_TIMEOUT = 10


class DeliveryError(Exception):
    """The channel refused or did not answer; `str(exc)` says how, translated (it is
    shown to the office on the deliveries page)."""


def dingtalk_signed_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """DingTalk's signed robot URL: `timestamp` (ms) and `sign` = base64 of
    HMAC-SHA256(secret, "timestamp\\nsecret"), URL-encoded, appended to the URL."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


def robot_payload(text: str) -> dict[str, object]:
    """The plain-text message both robots accept."""
    return {"msgtype": "text", "text": {"content": text}}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A robot answers; it does not redirect. Following one would let a webhook URL
    lead the server to an address the check above refused."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _no_answer_reason(exc: OSError) -> str:
    """Why a robot did not answer, in words for the page: the exception's own text is
    English from the C library ("[Errno 111] Connection refused", "_ssl.c:1006")."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return _("it did not answer within %(n)s seconds") % {"n": WEBHOOK_TIMEOUT}
    if isinstance(reason, socket.gaierror):
        return _("its host name could not be resolved")
    if isinstance(reason, ssl.SSLError):
        return _("its HTTPS certificate could not be verified")
    return _("it could not be reached")


def _post_json(url: str, payload: dict[str, object]) -> None:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError(_("Only http and https webhook URLs are allowed."))
    if host_refused(url, resolve=True):
        raise DeliveryError(str(HOST_REFUSED))
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _OPENER.open(request, timeout=WEBHOOK_TIMEOUT) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(_("The robot answered HTTP %(code)s.") % {"code": exc.code}) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(
            _("No answer: %(reason)s") % {"reason": _no_answer_reason(exc)}
        ) from exc
    # Both robots answer 200 with {"errcode": 0, "errmsg": "ok"}; anything else failed.
    try:
        answer = json.loads(body or b"{}")
    except ValueError as exc:
        raise DeliveryError(_("The answer is not JSON.")) from exc
    if not isinstance(answer, dict):
        raise DeliveryError(_("The answer is not JSON."))
    errcode = answer.get("errcode", 0)
    if errcode != 0:
        raise DeliveryError(
            _("The robot refused the message (errcode %(code)s: %(message)s).")
            % {"code": errcode, "message": str(answer.get("errmsg", ""))[:200]}
        )


def _message(text: str, url: str) -> str:
    base: str = settings.KAOHE_SITE_URL
    return f"{text}\n{base}{url}" if url and base else text


def send_wecom(channel: Channel, text: str, url: str, addresses: Sequence[str]) -> None:
    _post_json(channel.target, robot_payload(_message(text, url)))


def send_dingtalk(channel: Channel, text: str, url: str, addresses: Sequence[str]) -> None:
    target = (
        dingtalk_signed_url(channel.target, channel.secret) if channel.secret else channel.target
    )
    _post_json(target, robot_payload(_message(text, url)))


def send_email(channel: Channel, text: str, url: str, addresses: Sequence[str]) -> None:
    """One message per address (no address list shown to the others)."""
    if not addresses:
        return
    sender = channel.target or settings.DEFAULT_FROM_EMAIL
    subject = _("kaohe notice")
    body = _message(text, url)
    try:
        connection = get_connection(fail_silently=False)
        connection.send_messages(
            [EmailMessage(subject, body, sender, [address]) for address in addresses]
        )
    except OSError as exc:  # smtplib's errors are OSErrors
        # The server's own code, not the exception's English text.
        code = getattr(exc, "smtp_code", None)
        error = (
            _("it refused the message (code %(code)s)") % {"code": code}
            if code is not None
            else _no_answer_reason(exc)
        )
        raise DeliveryError(_("The mail server failed: %(error)s") % {"error": error}) from exc


Sender = Callable[[Channel, str, str, Sequence[str]], None]
SENDERS: dict[str, Sender] = {
    ChannelKind.EMAIL: send_email,
    ChannelKind.WECOM: send_wecom,
    ChannelKind.DINGTALK: send_dingtalk,
}
