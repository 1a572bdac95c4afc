from django.urls import path

from kaohe.dueprocess import views_notice

app_name = "dueprocess"

# Each part adds its pages here: 公示 (publicity), notices, cases (复核, 申诉).
urlpatterns: list[object] = []

# --- notice part: the written notice, its PDF, the overdue unsigned ones
urlpatterns += [
    path("notices/mine/", views_notice.notice_mine, name="notice_mine"),
    path("notices/overdue/", views_notice.notices_overdue, name="notices_overdue"),
    path("notices/<int:notice_id>/", views_notice.notice_page, name="notice"),
    path("notices/<int:notice_id>/pdf/", views_notice.notice_pdf, name="notice_pdf"),
]
