from django.urls import path

from kaohe.jobs import views

app_name = "jobs"

urlpatterns = [
    path("<id:job_id>/", views.job_page, name="job"),
    path("<id:job_id>/file.xlsx", views.job_file, name="file"),
]
