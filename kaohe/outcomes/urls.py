from django.urls import path

from kaohe.outcomes import views_archive

app_name = "outcomes"

urlpatterns = [
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
