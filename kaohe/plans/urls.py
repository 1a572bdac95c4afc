from django.urls import path

from kaohe.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_page, name="current"),
    path("<int:year>/", views.plan_page, name="year"),
]
