from django.urls import path

from kaohe.outcomes import (
    views_archive,
    views_consequences,
    views_forms,
    views_lists,
    views_priors,
)

app_name = "outcomes"

urlpatterns = [
    path("import/", views_priors.priors_import_page, name="priors_import"),
    path("import/template.xlsx", views_priors.priors_template, name="priors_template"),
    # forms: the official forms as PDF
    path(
        "forms/unit/<id:unit_id>/<int:year>/annual.pdf",
        views_forms.unit_annual,
        name="forms_unit_annual",
    ),
    path(
        "forms/unit/<id:unit_id>/<int:year>/q<int:quarter>.pdf",
        views_forms.unit_quarter,
        name="forms_unit_quarter",
    ),
    path(
        "forms/person/<id:person_id>/<int:year>/annual.pdf",
        views_forms.person_annual,
        name="forms_person_annual",
    ),
    path(
        "forms/person/<id:person_id>/<int:year>/q<int:quarter>.pdf",
        views_forms.person_quarter,
        name="forms_person_quarter",
    ),
    # consequences
    path("consequences/", views_consequences.consequences_page, name="consequences"),
    path("consequences/<id:task_id>/", views_consequences.consequence_page, name="consequence"),
    path("lists/", views_lists.lists_page, name="lists"),
    path("lists/<str:kind>/", views_lists.list_page, name="list"),
    path("lists/<str:kind>/export.xlsx", views_lists.list_export, name="list_export"),
    # archive
    path("archive/", views_archive.search_page, name="archive_search"),
    path("archive/mine/", views_archive.mine_page, name="archive_mine"),
    path("archive/<id:person_id>/<int:year>/", views_archive.archive_page, name="archive"),
    path(
        "archive/<id:person_id>/<int:year>/archive.pdf",
        views_archive.archive_pdf,
        name="archive_pdf",
    ),
]
