"""Forget the cached rules when the admin saves them (a signal, not an admin override,
so a bulk delete from the changelist is covered too)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kaohe.outcomes.models import OutcomesPolicy
from kaohe.outcomes.policies import policy_forget
from kaohe.outcomes.services import consequences_derive_quarter, consequences_derive_year
from kaohe.scoring.models import AnnualRun, QuarterRun
from kaohe.scoring.signals import quarter_published, year_published


@receiver(post_save, sender=OutcomesPolicy)
@receiver(post_delete, sender=OutcomesPolicy)
def _on_policy_changed(sender: Any, instance: OutcomesPolicy, **kwargs: Any) -> None:
    policy_forget(instance.region_id)


# --- consequences: derive the tasks a published period carries ---
# The year's are read from the archive's YearRecords, which the archive's receiver
# writes: at merge, the lead calls `consequences_derive_year` after it (one receiver).
@receiver(quarter_published)
def _consequences_of_quarter(sender: Any, run: QuarterRun, **kwargs: Any) -> None:
    consequences_derive_quarter(run=run)


@receiver(year_published)
def _consequences_of_year(sender: Any, run: AnnualRun, **kwargs: Any) -> None:
    consequences_derive_year(run=run)
