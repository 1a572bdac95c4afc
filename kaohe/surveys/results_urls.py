from django.urls import URLPattern, path

from kaohe.surveys import views_results

app_name = "survey_results"

urlpatterns: list[URLPattern] = [
    path("", views_results.region, name="region"),
    path("<id:survey_id>/", views_results.ranking, name="ranking"),
    path("<id:survey_id>/send/", views_results.send_low_items, name="send_low_items"),
    path("units/<id:unit_id>/", views_results.unit, name="unit"),
]
