"""The notices app's background jobs (django-tasks; the worker is `db_worker`)."""

from __future__ import annotations

from django_tasks import task

from kaohe.notices import services


@task()
def delivery_send(delivery_id: int) -> str:
    """One attempt of one delivery; a failure schedules the next attempt itself."""
    delivery = services.delivery_attempt(delivery_id=delivery_id)
    return delivery.state if delivery is not None else "missing"
