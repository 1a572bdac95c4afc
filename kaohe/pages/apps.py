"""Pages that read several domains (home, audit log, notifications): above every
domain, so no domain imports another to draw one of them (docs/architecture.md)."""

from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "kaohe.pages"
    label = "pages"
