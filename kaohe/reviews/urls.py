from django.urls import path

from kaohe.reviews import exports, views

app_name = "reviews"

urlpatterns = [
    path("", views.my_ballots_page, name="mine"),
    path("ballots/<id:round_unit_id>/", views.ballot_page, name="ballot"),
    path(
        "ballots/<id:round_unit_id>/people/<id:person_id>/",
        views.target_record_page,
        name="record",
    ),
    path("rounds/", views.rounds_page, name="rounds"),
    path("rounds/<id:round_id>/", views.round_page, name="round"),
    path(
        "rounds/<id:round_id>/not-voted.xlsx",
        exports.non_voters_export,
        name="non_voters_export",
    ),
    path("rounds/<id:round_id>/units/<id:unit_id>/raters/", views.raters_page, name="raters"),
    path("rounds/<id:round_id>/units/<id:unit_id>/results/", views.results_page, name="results"),
]
