from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kaohe.accounts.services import user_password_change
from kaohe.core.http import AuthedRequest

login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html", redirect_authenticated_user=True
)
logout_view = auth_views.LogoutView.as_view()


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Every user changes their own password; Django's form checks the current one and
    runs the configured validators, whose messages Django translates."""
    req = AuthedRequest.of(request)
    form = PasswordChangeForm(req.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_password_change(user=req.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, req.user)  # stay logged in on this device
        messages.success(request, _("Your password is changed."))
        return redirect("home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "rules": password_validators_help_texts()},
    )
