"""Today's date in Asia/Shanghai, or a fixed date for training set-ups and tests.

KAOHE_TODAY=2026-11-20 makes the whole application believe it is that day, so
a demo or a browser test does not depend on the day it runs.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def today() -> dt.date:
    fixed: dt.date | None = getattr(settings, "KAOHE_TODAY", None)
    return fixed or timezone.localdate()
