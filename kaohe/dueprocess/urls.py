from django.urls import path  # noqa: F401

app_name = "dueprocess"

# Each part adds its pages here: 公示 (publicity), notices, cases (复核, 申诉).
urlpatterns: list[object] = []
