from django.urls import path

from kaohe.outcomes import views_consequences

app_name = "outcomes"

urlpatterns = [
    # consequences
    path("consequences/", views_consequences.consequences_page, name="consequences"),
    path("consequences/<id:task_id>/", views_consequences.consequence_page, name="consequence"),
]
