from django.urls import path

from kaohe.dueprocess import views_publicity

app_name = "dueprocess"

# Each part adds its pages here: 公示 (publicity), notices, cases (复核, 申诉).
urlpatterns: list[object] = [
    # publicity (公示): the office starts it from the year's page; objections; the docket
    path("publicity/", views_publicity.publicity_index, name="publicities"),
    path("years/<id:run_id>/publicity/", views_publicity.publicity_run, name="publicity_run"),
    path("publicity/<id:publicity_id>/", views_publicity.publicity_page, name="publicity"),
    path(
        "publicity/<id:publicity_id>/sync/",
        views_publicity.publicity_sync_view,
        name="publicity_sync",
    ),
    path(
        "publicity/<id:publicity_id>/candidates/<id:entry_id>/object/",
        views_publicity.objection_new,
        name="objection_new",
    ),
    path("objections/", views_publicity.objections_page, name="objections"),
    path("objections/<id:objection_id>/", views_publicity.objection_page, name="objection"),
]
