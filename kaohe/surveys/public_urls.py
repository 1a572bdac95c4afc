"""The respondent's pages, mounted at /s/ (short, for QR codes)."""

from django.urls import URLPattern, path, re_path

from kaohe.surveys import views_public
from kaohe.surveys.public import CODE_PATTERN, OPEN_KEY_PATTERN

app_name = "survey_public"

urlpatterns: list[URLPattern] = [
    re_path(rf"^c/(?P<code>{CODE_PATTERN})/$", views_public.code_page, name="code"),
    re_path(rf"^w/(?P<key>{OPEN_KEY_PATTERN})/$", views_public.open_page, name="open"),
    path("thanks/", views_public.thanks_page, name="thanks"),
]
