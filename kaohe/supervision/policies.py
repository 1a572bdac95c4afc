"""The region's rules for the ledger, read without writing, and the deadline they set."""

from __future__ import annotations

import datetime as dt

from kaohe.core.calendar import region_calendar
from kaohe.supervision.models import SupervisionPolicy

# Wide enough for 120 working days after any day, holidays included.
_SPAN = dt.timedelta(days=250)


def policy_for(region_id: int) -> SupervisionPolicy:
    """The region's rules; the defaults, unsaved, where it has no row."""
    policy = SupervisionPolicy.objects.filter(region_id=region_id).first()
    return policy if policy is not None else SupervisionPolicy(region_id=region_id)


def deadline_for(policy: SupervisionPolicy, found_on: dt.date, severity: str) -> dt.date:
    """The last day to rectify a finding found on `found_on`: the n-th working day after
    it (the day of the finding not counted), on the region's calendar."""
    cal = region_calendar(policy.region_id, found_on, found_on + _SPAN)
    return cal.nth_workday_after(found_on, policy.days_for(severity))
