"""Run queued tasks in-process the way `manage.py db_worker` does (tests, benchmarks)."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_queued_tasks(backend: str = "default") -> int:
    """Claim and run every ready task of the database backend, one at a time, with the
    worker's own `run_task`: the task's return value and status are recorded as a real
    worker records them. Returns how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend,
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process",
        excluded_queue_names=[],
    )
    ran = 0
    while (task := DBTaskResult.objects.ready().filter(backend_name=backend).first()) is not None:
        task.claim(worker.worker_id)
        worker.run_task(task)
        ran += 1
    return ran
