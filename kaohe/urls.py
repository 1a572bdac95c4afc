from django.contrib import admin
from django.urls import include, path

from kaohe.accounts import views as account_views
from kaohe.api import api
from kaohe.core.logs import PUBLIC_PREFIX
from kaohe.org import search as org_search
from kaohe.pages import hub as pages_hub
from kaohe.pages import views as pages

admin.site.site_header = "kaohe 考核"
admin.site.site_title = "kaohe"

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", account_views.login_view, name="login"),
    path("logout/", account_views.logout_view, name="logout"),
    path("password/", account_views.password_change, name="password_change"),
    path("audit/", pages.audit_log, name="audit_log"),
    path("org/", include("kaohe.org.urls")),
    path("search/", org_search.search_page, name="search"),
    path("logs/", include("kaohe.worklogs.urls")),
    path("reviews/", include("kaohe.reviews.urls")),
    path("schemes/", include("kaohe.schemes.urls")),
    path("scoring/", include("kaohe.scoring.urls")),
    path("conduct/", include("kaohe.conduct.urls")),
    path("supervision/", include("kaohe.supervision.urls")),
    path("notices/", include("kaohe.notices.urls")),
    path("plan/", include("kaohe.plans.urls")),
    # The 用实绩 hub at the head of the outcomes pages, and due process's (pages.hub).
    path("outcomes/", pages_hub.hub_page, name="results_hub"),
    path("outcomes/", include("kaohe.outcomes.urls")),
    path("dueprocess/", include("kaohe.dueprocess.urls")),
    path("performance/", include("kaohe.performance.urls")),
    path("jobs/", include("kaohe.jobs.urls")),
    path("teams/", include("kaohe.teams.urls")),
    # 民评: the office's and units' pages, and the public pages a respondent opens
    # without an account (a short prefix: it is printed under every QR code).
    path("surveys/results/", include("kaohe.surveys.results_urls")),
    path("surveys/", include("kaohe.surveys.urls")),
    # The prefix is core.logs' (the logs leave these paths out).
    path(PUBLIC_PREFIX.lstrip("/"), include("kaohe.surveys.public_urls")),
    path("api/", api.urls),
    path("notifications/", pages.notifications_page, name="notifications"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
