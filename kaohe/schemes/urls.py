from django.urls import path

from kaohe.schemes import views

app_name = "schemes"

urlpatterns = [
    path("", views.schemes_page, name="list"),
    path("<id:scheme_id>/v<int:number>/", views.version_page, name="version"),
    path(
        "<id:scheme_id>/v<int:number>/indicators/", views.indicator_add_view, name="indicator_add"
    ),
    path("indicators/<id:indicator_id>/", views.indicator_change_view, name="indicator_change"),
    path("<id:scheme_id>/diff/", views.diff_page, name="diff"),
    path("entry/", views.entry_index, name="entry_index"),
    path("entry/<id:unit_id>/<int:year>/<int:quarter>/", views.entry_page, name="entry"),
    path(
        "entry/<id:unit_id>/<int:year>/<int:quarter>/evidence/<id:person_id>/<id:indicator_id>/",
        views.evidence_view,
        name="evidence",
    ),
    path(
        "entry/<id:unit_id>/<int:year>/<int:quarter>/declare/",
        views.entry_declare_view,
        name="entry_declare",
    ),
    path(
        "entry/<id:unit_id>/<int:year>/<int:quarter>/export.xlsx",
        views.entry_export,
        name="entry_export",
    ),
]
