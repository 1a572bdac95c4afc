from __future__ import annotations

from django.urls import path

from kaohe.performance import views_year

app_name = "performance"

urlpatterns = [
    # --- year (P2) ---
    path("year/", views_year.year_page, name="year"),
    path("year/compute/", views_year.year_compute, name="year_compute"),
    path("year/export/", views_year.year_export, name="year_export"),
    path("year/category/<id:category_id>/year-end/", views_year.year_end_page, name="year_end"),
    path("year/unit/<id:unit_id>/", views_year.year_unit_page, name="year_unit"),
    path("year/unit/<id:unit_id>/override/", views_year.year_override, name="year_override"),
    path(
        "year/unit/<id:unit_id>/override/remove/",
        views_year.year_override_remove,
        name="year_override_remove",
    ),
    path("year/marks/", views_year.year_marks_page, name="year_marks"),
    path("year/marks/<id:mark_id>/remove/", views_year.year_mark_remove, name="year_mark_remove"),
]
