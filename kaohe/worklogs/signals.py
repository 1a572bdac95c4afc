"""Keep cached work-record rules and the region's compliance figures fresh when what
they read is edited outside the services (Django admin, model saves); give a new region
its rules' row."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kaohe.core.models import WorkdayOverride
from kaohe.org.models import Leave, Region
from kaohe.worklogs.compliance import compliance_forget
from kaohe.worklogs.models import WorklogPolicy
from kaohe.worklogs.policies import policy_forget


@receiver(post_save, sender=Region)
def _on_region_created(sender: Any, instance: Region, created: bool, **kwargs: Any) -> None:
    """A new region gets its work-record rules with the defaults, for the office to edit
    (the admin offers no "add"): the pages read them and never write (policies.policy_for).
    A signal, as org (below worklogs) creates regions without knowing this app."""
    if created and not kwargs.get("raw"):
        WorklogPolicy.objects.get_or_create(region=instance)


@receiver(post_save, sender=WorklogPolicy)
def _on_policy_saved(sender: Any, instance: WorklogPolicy, **kwargs: Any) -> None:
    policy_forget(instance.region_id)
    compliance_forget(instance.region_id)  # the backfill window decides what is missing


# Leave and overrides change the days owed; their only writers are the admin and the demo.
@receiver(post_save, sender=Leave)
@receiver(post_delete, sender=Leave)
@receiver(post_save, sender=WorkdayOverride)
@receiver(post_delete, sender=WorkdayOverride)
def _on_days_owed_changed(sender: Any, instance: Leave | WorkdayOverride, **kwargs: Any) -> None:
    compliance_forget(instance.region_id)
