"""Drafting a unit scheme: an explicit template choice with a description, a
confirmation showing what the template holds, and a draft redrafted or discarded."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.core.models import AuditEvent
from kaohe.schemes import services
from kaohe.schemes.errors import SchemeErrorCode
from kaohe.schemes.models import Indicator, Scheme, SchemeVersion, VersionState
from kaohe.schemes.tests.fixtures import add
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(world: World) -> SchemeVersion:
    """A second published template, the one the unit meant to choose."""
    version = services.template_create(
        actor=world.users["region_admin"], region=world.region, name="执法勤务类模板", year=2026
    )
    group = add(world, version, None, "执法质量", kind="group", max_points="100", weight="100")
    add(world, version, group, "案件办理", kind="scored", max_points="100")
    services.version_approve(actor=world.users["region_admin"], version=version)
    return version


def test_no_template_is_preselected_and_each_is_described(
    world: World,
    template: SchemeVersion,
    other: SchemeVersion,
    client_as: Callable[[str], Client],
) -> None:
    page = client_as("unit_admin").get(reverse("schemes:list")).content.decode()
    assert 'type="radio" name="template"' in page and " checked" not in page
    assert '<select name="template"' not in page
    assert "共 7 项指标，一级指标：德、绩、违纪。" in page
    assert "共 2 项指标，一级指标：执法质量。" in page


def test_choosing_shows_the_template_and_creates_nothing_until_confirmed(
    world: World,
    template: SchemeVersion,
    client_as: Callable[[str], Client],
    django_assert_max_num_queries: Callable[[int], object],
) -> None:
    client = client_as("unit_admin")
    choice = {"action": "unit", "template": template.pk, "unit": world.bureau.pk}
    page = client.post(reverse("schemes:list"), choice).content.decode()
    assert 'id="template-tree"' in page and "完成任务" in page and "缺写工作日志" in page
    assert not Scheme.objects.filter(role=Scheme.Role.UNIT).exists()
    response = client.post(reverse("schemes:list"), {**choice, "confirm": "1"})
    assert response.status_code == 302
    scheme = Scheme.objects.get(role=Scheme.Role.UNIT, unit=world.bureau)
    assert scheme.versions.get().based_on == template


def test_without_a_choice_the_page_says_what_to_do(
    world: World,
    template: SchemeVersion,
    client_as: Callable[[str], Client],
) -> None:
    response = client_as("unit_admin").post(
        reverse("schemes:list"), {"action": "unit", "unit": world.bureau.pk}, follow=True
    )
    assert "请选择模板和您管理的单位。" in response.content.decode()
    assert not Scheme.objects.filter(role=Scheme.Role.UNIT).exists()


def test_a_draft_is_redrafted_from_another_template_all_or_nothing(
    world: World,
    drafted: SchemeVersion,
    other: SchemeVersion,
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("unit_admin")
    url = reverse("schemes:version", args=[drafted.scheme_id, drafted.number])
    page = client.get(url).content.decode()
    assert 'id="redraft"' in page
    ask = {"action": "redraft", "template": other.pk}
    page = client.post(url, ask).content.decode()
    assert 'id="redraft-warning"' in page and "现有的 7 项指标" in page and "案件办理" in page
    assert drafted.indicators.count() == 7  # nothing changed before the confirmation
    assert client.post(url, {**ask, "confirm": "1"}).status_code == 302
    drafted.refresh_from_db()
    assert drafted.based_on == other
    assert sorted(drafted.indicators.values_list("name", flat=True)) == ["执法质量", "案件办理"]
    case = Indicator.objects.get(version=drafted, name="案件办理")
    assert case.parent is not None and case.parent.name == "执法质量"
    event = AuditEvent.objects.get(action="schemes.scheme.redraft")
    assert event.details["indicators_removed"] == 7 and event.details["template"] == other.pk


def test_a_submitted_or_approved_scheme_cannot_be_redrafted(
    world: World,
    drafted: SchemeVersion,
    other: SchemeVersion,
) -> None:
    admin = world.users["unit_admin"]
    services.version_submit(actor=admin, version=drafted)
    with refused(SchemeErrorCode.VERSION_NOT_DRAFT):
        services.scheme_redraft(actor=admin, version=drafted, template=other)
    services.version_approve(actor=world.users["region_admin"], version=drafted)
    draft = services.version_new_draft(actor=admin, version=drafted)
    with refused(SchemeErrorCode.SCHEME_APPROVED_BEFORE) as caught:
        services.scheme_redraft(actor=admin, version=draft, template=other)
    assert "审核通过" in caught.value.message
    assert draft.indicators.count() == 7


def test_someone_outside_the_unit_cannot_redraft(
    world: World,
    drafted: SchemeVersion,
    other: SchemeVersion,
) -> None:
    with refused(SchemeErrorCode.NOT_EDITOR):
        services.scheme_redraft(actor=world.users["cadre"], version=drafted, template=other)
    assert drafted.indicators.count() == 7


def test_a_draft_is_discarded_and_the_unit_drafts_again(
    world: World,
    drafted: SchemeVersion,
    other: SchemeVersion,
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("unit_admin")
    url = reverse("schemes:version", args=[drafted.scheme_id, drafted.number])
    response = client.post(url, {"action": "discard"}, follow=True)
    assert "已作废" in response.content.decode()
    assert not Scheme.objects.filter(pk=drafted.scheme_id).exists()
    assert AuditEvent.objects.filter(action="schemes.scheme.discard").count() == 1
    version = services.unit_scheme_create(
        actor=world.users["unit_admin"], template=other, unit=world.bureau, year=2026
    )
    assert version.state == VersionState.DRAFT
