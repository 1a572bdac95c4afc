from django.urls import path

from kaohe.org import views

app_name = "org"

urlpatterns = [
    path("units/", views.unit_tree_page, name="unit_tree"),
    path("units/<id:unit_id>/", views.unit_page, name="unit"),
    path("units/<id:unit_id>/children/", views.unit_tree_children, name="unit_tree_children"),
    path("units/<id:unit_id>/export.xlsx", views.unit_export, name="unit_export"),
    path("people/<id:person_id>/", views.person_page, name="person"),
    path("roster/", views.roster_import_page, name="roster_import"),
    path("roster/template.xlsx", views.roster_template, name="roster_template"),
]
