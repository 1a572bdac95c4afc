from django.urls import path

from kaohe.conduct import views

app_name = "conduct"

urlpatterns = [
    path("", views.list_page, name="list"),
    path("discipline/new/", views.discipline_new, name="discipline_new"),
    path("discipline/<id:record_id>/end/", views.discipline_end, name="discipline_end"),
    path("absences/new/", views.absence_new, name="absence_new"),
]
