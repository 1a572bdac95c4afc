from django.urls import path

from kaohe.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.my_ballots_page, name="mine"),
    path("ballots/<int:round_unit_id>/", views.ballot_page, name="ballot"),
    path(
        "ballots/<int:round_unit_id>/people/<int:person_id>/",
        views.target_record_page,
        name="record",
    ),
    path("rounds/", views.rounds_page, name="rounds"),
    path("rounds/<int:round_id>/", views.round_page, name="round"),
    path("rounds/<int:round_id>/units/<int:unit_id>/raters/", views.raters_page, name="raters"),
    path("rounds/<int:round_id>/units/<int:unit_id>/results/", views.results_page, name="results"),
]
