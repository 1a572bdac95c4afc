from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kaohe.accounts.selectors import home_summary
from kaohe.core import clock
from kaohe.core.http import AuthedRequest

login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html", redirect_authenticated_user=True
)
logout_view = auth_views.LogoutView.as_view()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    req = AuthedRequest.of(request)
    summary = home_summary(req.user, clock.today())
    return render(request, "accounts/home.html", {"summary": summary})
