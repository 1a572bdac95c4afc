"""The demo county 示范区 and ``manage.py demo_load``: above every domain, since it
writes each domain's data (docs/architecture.md, the layers)."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kaohe.demo"
    label = "demo"
