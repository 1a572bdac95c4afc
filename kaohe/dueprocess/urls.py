from django.urls import path

from kaohe.dueprocess import views_cases

app_name = "dueprocess"

# Each part adds its pages here: 公示 (publicity), notices, cases (复核, 申诉).
urlpatterns: list[object] = []

# cases (复核, 申诉)
urlpatterns += [
    path("notices/<id:notice_id>/review/", views_cases.review_request, name="review_request"),
    path("notices/<id:notice_id>/appeal/", views_cases.appeal_request, name="appeal_request"),
    path("cases/mine/", views_cases.mine, name="cases_mine"),
    path("cases/docket/review/", views_cases.docket, {"kind": "review"}, name="docket_review"),
    path("cases/docket/appeal/", views_cases.docket, {"kind": "appeal"}, name="docket_appeal"),
    path("cases/<id:case_id>/", views_cases.case_page, name="case"),
    path("cases/<id:case_id>/decide/", views_cases.case_decide, name="case_decide"),
    path("cases/<id:case_id>/extend/", views_cases.case_extend, name="case_extend"),
    path("cases/<id:case_id>/file.pdf", views_cases.case_pdf, name="case_pdf"),
    path("evidence/<id:evidence_id>/", views_cases.evidence_file, name="evidence"),
]
