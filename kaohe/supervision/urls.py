from django.urls import path

from kaohe.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("export.xlsx", views.export, name="export"),
    path("findings/new/", views.finding_new, name="finding_new"),
    path("findings/<id:finding_id>/", views.finding_page, name="finding"),
    path("findings/<id:finding_id>/rectify/", views.finding_rectify, name="rectify"),
    path("findings/<id:finding_id>/verify/", views.finding_verify, name="verify"),
    path("findings/<id:finding_id>/send-back/", views.finding_send_back, name="send_back"),
    path("findings/<id:finding_id>/strike-off/", views.finding_strike_off, name="strike_off"),
    path("files/<id:file_id>/", views.evidence_file, name="file"),
]
