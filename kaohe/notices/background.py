"""The notices app's background jobs (django-tasks; the worker is `db_worker`)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django_tasks import task

from kaohe.notices import services


@task()
def delivery_send(delivery_id: int) -> str:
    """One attempt of one delivery; a failure schedules the next attempt itself."""
    # The worker has no request: the error it records is read on a Chinese page.
    with translation.override(settings.LANGUAGE_CODE):
        delivery = services.delivery_attempt(delivery_id=delivery_id)
    return delivery.state if delivery is not None else "missing"
