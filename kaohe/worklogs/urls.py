from django.urls import path

from kaohe.worklogs import exports, views

app_name = "worklogs"

urlpatterns = [
    path("today/", views.today_page, name="today"),
    path("month/", views.month_page, name="month"),
    path("feed/", views.feed_page, name="feed"),
    path("summaries/", views.summaries_page, name="summaries"),
    path("compliance/", views.compliance_page, name="compliance"),
    path("compliance/export.xlsx", exports.compliance_export, name="compliance_export"),
    path("<id:log_id>/read/", views.log_read, name="read"),
    path("<id:log_id>/comment/", views.log_comment, name="comment"),
    path("<id:log_id>/history/", views.log_history, name="history"),
]
