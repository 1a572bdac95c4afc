from django.urls import path

from kaohe.teams import exports, views

app_name = "teams"

urlpatterns = [
    path("", views.year_page, name="year"),
    path("entry/", views.entry_page, name="entry"),
    path("compute/", views.compute, name="compute"),
    path("publish/", views.publish, name="publish"),
    path("export/", exports.export, name="export"),
    path("result/<id:team_result_id>/", views.result_page, name="result"),
]
