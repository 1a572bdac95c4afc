"""Region admins manage accounts and grants of their own region only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.accounts.models import Role, RoleGrant, User
from kaohe.accounts.services import role_grant
from kaohe.core.models import AuditEvent
from kaohe.testing import World

pytestmark = pytest.mark.django_db


def test_the_user_list_shows_only_the_region_and_no_superuser_switch(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    page = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "unit_admin" in page and "other_admin" not in page
    form = client.get(reverse("admin:accounts_user_change", args=[world.users["cadre"].pk]))
    assert form.status_code == 200 and 'name="is_superuser"' not in form.content.decode()
    foreign = client.get(
        reverse("admin:accounts_user_change", args=[world.users["other_admin"].pk])
    )
    assert foreign.status_code == 302  # Django admin redirects a missing object to the list


def test_a_grant_made_in_admin_is_validated_and_audited(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    target = world.users["cadre_other"]
    response = client.post(
        reverse("admin:accounts_rolegrant_add"),
        {
            "user": target.pk,
            "role": Role.UNIT_HEAD,
            "unit": world.town.pk,
            "include_subunits": "on",
        },
    )
    assert response.status_code == 302
    assert RoleGrant.objects.filter(user=target, role=Role.UNIT_HEAD, unit=world.town).exists()
    assert AuditEvent.objects.filter(
        action="accounts.role.grant", object_id=str(target.pk)
    ).exists()

    foreign = world.users["other_admin"]
    refused = client.post(
        reverse("admin:accounts_rolegrant_add"),
        {"user": foreign.pk, "role": Role.UNIT_HEAD, "unit": world.town.pk},
    )
    # Another region's account is not among the choices: a form error, nothing written.
    assert refused.status_code == 200 and "user" in refused.context["adminform"].form.errors
    assert not RoleGrant.objects.filter(user=foreign, role=Role.UNIT_HEAD).exists()


def test_a_region_admin_creates_an_account_in_their_region(
    world: World, client_as: Callable[[str], Client]
) -> None:
    client = client_as("region_admin")
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newcomer",
            "password1": "Qiang-Mima-2026!",
            "password2": "Qiang-Mima-2026!",
            "person": world.people["centre_cadre"].pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="newcomer")
    assert user.region == world.region and not user.is_superuser
    assert AuditEvent.objects.filter(action="admin.user.add", object_id=str(user.pk)).exists()


def test_revoking_a_region_admin_grant_in_admin_drops_the_staff_flag(
    world: World, client_as: Callable[[str], Client]
) -> None:
    other = world.users["unit_admin"]
    grant = role_grant(actor=None, user=other, role=Role.REGION_ADMIN)
    other.refresh_from_db()
    assert other.is_staff
    client = client_as("region_admin")
    response = client.post(
        reverse("admin:accounts_rolegrant_delete", args=[grant.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert not other.is_staff and not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert AuditEvent.objects.filter(
        action="accounts.role.revoke", object_id=str(other.pk)
    ).exists()


def test_admin_rows_reached_through_another_model_stay_in_the_region(
    world: World, client_as: Callable[[str], Client]
) -> None:
    """RegionScopedAdmin offers only the region's rows in every foreign-key field, so a
    unit or person of another region picked by id is refused by the form."""
    from kaohe.org.models import PilotUnitYear, Unit

    foreign = Unit.objects.create(
        region=world.other_region, name="邻区某局", code="X1", path="", depth=0
    )
    client = client_as("region_admin")
    url = reverse("admin:org_pilotunityear_add")
    accepted = client.post(url, {"unit": world.bureau.pk, "year": 2026})
    assert accepted.status_code == 302
    assert list(PilotUnitYear.objects.values_list("unit_id", flat=True)) == [world.bureau.pk]
    PilotUnitYear.objects.all().delete()
    # Pilot units had no check of their own before the base class made it.
    pilot = client.post(reverse("admin:org_pilotunityear_add"), {"unit": foreign.pk, "year": 2026})
    assert pilot.status_code == 200 and "unit" in pilot.context["adminform"].form.errors
    assert not PilotUnitYear.objects.exists()


def test_a_flag_entered_in_admin_needs_its_reason(
    world: World, client_as: Callable[[str], Client]
) -> None:
    from kaohe.scoring.models import PersonYearFlag

    client = client_as("region_admin")
    url = reverse("admin:scoring_personyearflag_add")
    person = world.people["cadre"].pk
    short = client.post(url, {"person": person, "year": 2026, "kind": "veto", "reason": "无"})
    assert short.status_code == 200 and "写明理由" in short.content.decode()
    assert not PersonYearFlag.objects.exists()
    client.post(url, {"person": person, "year": 2026, "kind": "veto", "reason": "被区委通报批评"})
    assert PersonYearFlag.objects.get().actor == world.users["region_admin"]
