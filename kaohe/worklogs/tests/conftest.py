from __future__ import annotations

import datetime as dt

import pytest

from kaohe.org import services
from kaohe.org.models import LeadershipRole, MembershipStatus, Person
from kaohe.testing import World


@pytest.fixture
def veteran(world: World) -> Person:
    """The cadre, but in the bureau since 2025, so 2025's National Day can be tested."""
    person = world.people["cadre"]
    membership = person.memberships.get()
    membership.valid_from = dt.date(2025, 1, 1)
    membership.save(update_fields=["valid_from"])
    return person


def place(world: World, name: str, staff_no: str, start: dt.date) -> Person:
    person = services.person_create(actor=None, region=world.region, staff_no=staff_no, name=name)
    services.membership_change(
        actor=None,
        person=person,
        unit=world.bureau,
        rank_level=world.rank("一级科员"),
        personnel_category=world.category(),
        leadership_role=LeadershipRole.STAFF,
        status=MembershipStatus.ON_DUTY,
        valid_from=start,
    )
    return person
