"""Topics of the ballot pages' cached reads and the forgets the services call: a module
of its own, below both, so the selectors that read these topics need not import the
services that forget them.

What the ballot pages read on every request, cached (kaohe.reviews.selectors.
open_ballots): per user, the ballots of open rounds they rate, with their targets'
names and whether they have submitted or drafted each (never a score), stamped with
the region's stamp. Forgetting the stamp (`ballots_forget`) drops every user's value
of the region at once: every write to its open rounds, their units and outside
raters; the stamp also holds org.selectors.org_version, which every roster write
(memberships, people, units) replaces.
"""

from __future__ import annotations

from kaohe.core.cache import forget, forget_user

# The versions keep a process of an older release from reading a newer shape.
BALLOTS_STAMP_TOPIC = "reviews-ballots-stamp.v1"
MY_BALLOTS_TOPIC = "reviews-my-ballots.v1"


def ballots_forget(region_id: int) -> None:
    """Call in every write that changes which ballots a region's raters have, or what
    the ballot pages show of them (rounds, round units, outside raters, rosters)."""
    forget(BALLOTS_STAMP_TOPIC, region_id)


def my_ballots_forget(user_id: int) -> None:
    """Call where a user's own ballot changes (a draft saved, a ballot submitted)."""
    forget_user(MY_BALLOTS_TOPIC, user_id)
