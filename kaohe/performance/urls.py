from __future__ import annotations

from django.urls import path

from kaohe.performance import views_months, views_year

app_name = "performance"

urlpatterns = [
    # --- months (P1) ---
    path("months/", views_months.month_list, name="months"),
    path("months/<id:month_id>/", views_months.month_page, name="month"),
    path("months/<id:month_id>/compute/", views_months.month_compute, name="month_compute"),
    path("months/<id:month_id>/publish/", views_months.month_publish, name="month_publish"),
    path("months/<id:month_id>/rewards/", views_months.month_rewards, name="month_rewards"),
    path(
        "months/<id:month_id>/categories/<id:category_id>/",
        views_months.month_ranking,
        name="month_ranking",
    ),
    path(
        "months/<id:month_id>/categories/<id:category_id>/export/",
        views_months.month_ranking_export,
        name="month_ranking_export",
    ),
    path(
        "months/<id:month_id>/categories/<id:category_id>/scores/",
        views_months.month_grid,
        name="month_grid",
    ),
    path(
        "months/<id:month_id>/categories/<id:category_id>/system/",
        views_months.month_system,
        name="month_system",
    ),
    path("months/<id:month_id>/units/<id:unit_id>/", views_months.month_unit, name="month_unit"),
    path("months/files/<id:file_id>/", views_months.month_file, name="month_file"),
    path("lead/<id:unit_id>/", views_months.month_lead, name="month_lead"),
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
