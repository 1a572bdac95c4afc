"""Due process tests' fixtures. publicity: a computed year of the big world, ready for
its 公示."""

from __future__ import annotations

import pytest

from kaohe.scoring import services as scoring
from kaohe.scoring.models import AnnualRun, QuarterRun
from kaohe.scoring.tests.fixtures import year_ready
from kaohe.scoring.tests.test_annual import publish_quarters
from kaohe.testing import World


@pytest.fixture
def computed(big: World, graded: QuarterRun) -> AnnualRun:
    """The big world's 2026 computed from four published quarters (not published)."""
    publish_quarters(big, graded)
    year_ready(big)
    return scoring.annual_compute(actor=big.users["region_admin"], region=big.region, year=2026)
