from django.urls import path

from kaohe.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="create"),
    path("<id:survey_id>/", views.survey_page, name="survey"),
    path("<id:survey_id>/edit/", views.survey_edit, name="edit"),
    path("<id:survey_id>/open/", views.survey_open, name="open"),
    path("<id:survey_id>/close/", views.survey_close, name="close"),
    path("<id:survey_id>/questions/", views.question_add, name="question_add"),
    path("<id:survey_id>/questions/<id:question_id>/", views.question_edit, name="question_edit"),
    path(
        "<id:survey_id>/questions/<id:question_id>/delete/",
        views.question_delete,
        name="question_delete",
    ),
    path("<id:survey_id>/targets/", views.target_add, name="target_add"),
    path(
        "<id:survey_id>/targets/<id:target_id>/remove/", views.target_remove, name="target_remove"
    ),
    path("<id:survey_id>/targets/<id:target_id>/codes.pdf", views.codes_sheet, name="codes"),
    path("<id:survey_id>/targets/<id:target_id>/window.svg", views.window_qr, name="window_qr"),
    path("<id:survey_id>/targets/<id:target_id>/paper/", views.paper_entry, name="paper"),
    path("<id:survey_id>/checks/", views.paper_checks, name="checks"),
    path("<id:survey_id>/comments/", views.moderation, name="moderation"),
]
