"""Request edges: zh-hans first; sessions kept alive without a write per request; input
with control characters refused before any view."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import timezone, translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but Accept-Language is ignored.

    Government PCs often run browsers set to English; the users still read
    Chinese first. Choosing English in the switcher sets the language cookie.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        code = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()


# Control characters (Unicode category Cc: C0, DEL, C1). No form field, search box or
# id needs one; PostgreSQL cannot store NUL at all ("a%00b" was a server error there).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Typed text may hold line breaks and tabs: posted values are allowed those three.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ControlCharacterMiddleware:
    """Refuses, before any view runs, a request with a control character in its input.

    One edge for the whole site: the path, every query parameter (name and value)
    and every posted field name are refused for any control character; posted values
    for any but tab, line feed and carriage return. Refused rather than stripped, so
    that what is stored is what the user sent, and the page says what to remove.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_control(request):
            return render(request, "core/bad_input.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _has_control(request: HttpRequest) -> bool:
        if _CONTROL.search(request.path):
            return True
        for name, values in request.GET.lists():
            if _CONTROL.search(name) or any(_CONTROL.search(v) for v in values):
                return True
        if request.method != "POST":
            return False
        for name, values in request.POST.lists():
            if _CONTROL.search(name) or any(_CONTROL_IN_TEXT.search(v) for v in values):
                return True
        return False


# The session's last save, in whole seconds since the epoch (kept in the session itself).
SESSION_TOUCHED = "_kaohe_touched"


class IdleSessionMiddleware:
    """Keeps settings.SESSION_COOKIE_AGE an idle expiry without a write on every request.

    Django's SESSION_SAVE_EVERY_REQUEST commits the session row on every request to push
    its expiry forward. Here a request saves the session only when its last save is at
    least settings.SESSION_TOUCH_SECONDS old (or when the view changed it anyway), so a
    busy user's session is written once every few minutes. The price is precision: a
    session ends between SESSION_COOKIE_AGE − SESSION_TOUCH_SECONDS and SESSION_COOKIE_AGE
    after its last request, never later. Sits right after SessionMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.interval = int(settings.SESSION_TOUCH_SECONDS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        now = int(timezone.now().timestamp())
        touched = session.get(SESSION_TOUCHED)  # loads the session, as sign-in would
        # Only a session the store still holds: a request without one must not create it.
        if session.session_key is not None and not (
            isinstance(touched, int) and 0 <= now - touched < self.interval
        ):
            session.modified = True  # saved with a fresh expiry date
        response = self.get_response(request)
        # Whatever saves the session (this, a sign-in, a message) restarts the interval;
        # a session the view emptied (sign-out) stays empty and is not saved.
        if session.modified and not session.is_empty():
            session[SESSION_TOUCHED] = now
        return response
