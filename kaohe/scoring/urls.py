from django.urls import path

from kaohe.scoring import exports, views

app_name = "scoring"

urlpatterns = [
    path("", views.overview_page, name="overview"),
    path("quarters/<id:run_id>/", views.quarter_page, name="quarter"),
    path("quarters/<id:run_id>/units/<id:unit_id>/", views.proposal_page, name="proposal"),
    path("quarters/<id:run_id>/publish/", views.quarter_publish_page, name="quarter_publish"),
    path("years/<id:run_id>/", views.annual_page, name="annual"),
    path("quarters/<id:run_id>/export.xlsx", exports.quarter_export, name="quarter_export"),
    path(
        "quarters/<id:run_id>/units/<id:unit_id>/export.xlsx",
        exports.proposal_export,
        name="proposal_export",
    ),
    path("years/<id:run_id>/export.xlsx", exports.annual_export, name="annual_export"),
    path("years/<id:run_id>/publish/", views.annual_publish_page, name="annual_publish"),
    path("mine/", views.mine_page, name="mine"),
    path("mine/<str:kind>/<id:result_id>/", views.explanation_page, name="explanation"),
    path("mine/<str:kind>/<id:result_id>/receipt/", views.receipt_view, name="receipt"),
]
