"""Receivers: the region's cached figures are forgotten when they are saved; when a
year is published, its 公示 is confirmed and a written notice goes to every cadre."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from kaohe.dueprocess.models import DueProcessPolicy
from kaohe.dueprocess.policies import policy_forget
from kaohe.dueprocess.services import notices_issue, publicity_confirm
from kaohe.jobs.progress import ProgressFn, no_progress
from kaohe.scoring.models import AnnualRun
from kaohe.scoring.signals import year_published


@receiver([post_save, post_delete], sender=DueProcessPolicy)
def _policy_changed(sender: Any, instance: DueProcessPolicy, **kwargs: Any) -> None:
    policy_forget(instance.region_id)


@receiver(year_published, sender=AnnualRun)
def _on_year_published(
    sender: Any, run: AnnualRun, progress: ProgressFn = no_progress, **kwargs: Any
) -> None:
    """In the publishing transaction, after outcomes' receiver has archived the year
    (outcomes comes before dueprocess in INSTALLED_APPS, so its receiver is connected
    first and runs first): the 公示 confirmed with the publish, then the notices,
    which are based on the archived records. One receiver: Django keeps receivers by
    weak reference, and a second function of the same name would drop the first."""
    publicity_confirm(run=run)
    progress(90, 100, _("Issuing the written notices…"))
    notices_issue(actor=None, run=run)
