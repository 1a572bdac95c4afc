from django.urls import path

from kaohe.performance import views_months

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
]
