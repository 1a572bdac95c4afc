from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "kaohe.reviews"
    label = "reviews"
    verbose_name = _("Quarterly ratings")

    def ready(self) -> None:
        # Registers the round-closing job with kaohe.jobs.
        from kaohe.reviews import jobs  # noqa: F401
