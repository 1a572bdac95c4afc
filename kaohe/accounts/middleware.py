"""An account whose password someone else chose may do nothing else until it sets its own."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kaohe.accounts.models import User

PASSWORD_FIRST = gettext_noop("Choose your own password before you continue.")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.must_change_password and not self._open(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _(PASSWORD_FIRST)}, status=403)
            page = reverse("password_change")
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = page
                return response
            return redirect(page)
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        """Pages the holder still needs: the password page itself, log-out, language."""
        path = request.path
        return path in {reverse("password_change"), reverse("logout")} or path.startswith(
            (reverse("set_language"), "/" + settings.STATIC_URL.lstrip("/"))
        )
