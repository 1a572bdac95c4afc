"""The home page's facts of a user, cached per user (`pages.todo.home_facts`): the
forgets that the services writing those facts call.

The facts are the person's open log days and today's state, the open ballots they
have not cast, the published results they have not confirmed, their position, and
the head counts of their granted units. A write about one person drops that person's
users' value (`home_forget_user`, `home_forget_person`); a write that can change
anybody's (a round opened or closed, a period published, the calendar or the log
rules) drops the region's epoch (`home_forget_region`), which is part of every
stored value's stamp with the region's roster token (`org.selectors.org_version`,
replaced by every write of units and memberships), so that one delete outdates every user's value
in the region, whatever its size.

This module imports only core and the account model, so every domain service may
call it (the builder, which reads the domain apps, lives above them in pages.todo).
"""

from __future__ import annotations

from kaohe.accounts.models import User
from kaohe.core.cache import forget, forget_users, region_token

# The version changes with the stored value's shape: the file cache outlives a deploy.
HOME_TOPIC = "home-facts.v1"
HOME_EPOCH = "home-epoch"


def home_epoch(region_id: int) -> str:
    """The region's current epoch: a new random token whenever it was forgotten."""
    return region_token(HOME_EPOCH, region_id)


def home_forget_user(user_id: int) -> None:
    """Call where one user's own facts change (their log, ballot or receipt)."""
    forget_users(HOME_TOPIC, [user_id])


def home_forget_person(person_id: int) -> None:
    """Call where one person's facts change and the acting user may be someone else."""
    forget_users(HOME_TOPIC, User.objects.filter(person_id=person_id).values_list("pk", flat=True))


def home_forget_region(region_id: int) -> None:
    """Call where a write may change the facts of anyone in the region."""
    forget(HOME_EPOCH, region_id)
