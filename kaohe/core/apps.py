from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kaohe.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.urls import register_converter

        from kaohe.core import signals  # noqa: F401  (login/logout audit receivers)
        from kaohe.core.http import IdConverter

        # Registered before the URL modules are imported: they use `<id:...>`.
        register_converter(IdConverter, "id")
