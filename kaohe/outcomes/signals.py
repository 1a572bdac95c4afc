"""Forget the cached rules when the admin saves them (a signal, not an admin override,
so a bulk delete from the changelist is covered too)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kaohe.outcomes.models import OutcomesPolicy
from kaohe.outcomes.policies import policy_forget
from kaohe.outcomes.services import archive_year
from kaohe.scoring.models import AnnualRun
from kaohe.scoring.signals import year_published


@receiver(post_save, sender=OutcomesPolicy)
@receiver(post_delete, sender=OutcomesPolicy)
def _on_policy_changed(sender: Any, instance: OutcomesPolicy, **kwargs: Any) -> None:
    policy_forget(instance.region_id)


# ---------------------------------------------------------------- archive


@receiver(year_published, sender=AnnualRun)
def _on_year_published(sender: Any, run: AnnualRun, **kwargs: Any) -> None:
    """The year is frozen into the archive in the publishing transaction: published
    and archived together, or neither."""
    archive_year(run=run)
