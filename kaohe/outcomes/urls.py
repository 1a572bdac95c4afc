from django.urls import path

from kaohe.outcomes import views_priors

app_name = "outcomes"

urlpatterns = [
    path("import/", views_priors.priors_import_page, name="priors_import"),
    path("import/template.xlsx", views_priors.priors_template, name="priors_template"),
]
