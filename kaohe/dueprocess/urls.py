from django.urls import path

from kaohe.dueprocess import views_cases, views_notice, views_publicity

app_name = "dueprocess"

urlpatterns: list[object] = [
    # notices: the written notice, its PDF, the overdue unsigned ones
    path("notices/mine/", views_notice.notice_mine, name="notice_mine"),
    path("notices/overdue/", views_notice.notices_overdue, name="notices_overdue"),
    path("notices/<id:notice_id>/", views_notice.notice_page, name="notice"),
    path("notices/<id:notice_id>/pdf/", views_notice.notice_pdf, name="notice_pdf"),
    # cases (复核, 申诉)
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
    # publicity (公示): the office starts it from the year's page; objections; the docket
    path("publicity/", views_publicity.publicity_index, name="publicities"),
    path("years/<id:run_id>/publicity/", views_publicity.publicity_run, name="publicity_run"),
    path("publicity/<id:publicity_id>/", views_publicity.publicity_page, name="publicity"),
    path(
        "publicity/<id:publicity_id>/sync/",
        views_publicity.publicity_sync_view,
        name="publicity_sync",
    ),
    path(
        "publicity/<id:publicity_id>/candidates/<id:entry_id>/object/",
        views_publicity.objection_new,
        name="objection_new",
    ),
    path("objections/", views_publicity.objections_page, name="objections"),
    path("objections/<id:objection_id>/", views_publicity.objection_page, name="objection"),
]
