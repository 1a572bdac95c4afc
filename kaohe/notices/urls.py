from django.urls import path

from kaohe.notices import views

app_name = "notices"

urlpatterns = [
    path("deliveries/", views.deliveries_page, name="deliveries"),
    path("deliveries/<id:delivery_id>/retry/", views.delivery_retry, name="delivery_retry"),
    path("remind/logs/", views.remind_logs, name="remind_logs"),
    path("remind/votes/<id:round_id>/", views.remind_votes, name="remind_votes"),
]
