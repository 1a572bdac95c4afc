from django.urls import URLPattern

app_name = "survey_public"

urlpatterns: list[URLPattern] = []
