from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "kaohe.org"
    label = "org"
    verbose_name = _("Organization")

    def ready(self) -> None:
        # Registers the roster-import job with kaohe.jobs.
        from kaohe.org import jobs  # noqa: F401
