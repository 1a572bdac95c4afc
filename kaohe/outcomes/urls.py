from django.urls import path

from kaohe.outcomes import views_lists

app_name = "outcomes"

urlpatterns = [
    path("lists/", views_lists.lists_page, name="lists"),
    path("lists/<str:kind>/", views_lists.list_page, name="list"),
    path("lists/<str:kind>/export.xlsx", views_lists.list_export, name="list_export"),
]
