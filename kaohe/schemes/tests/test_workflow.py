"""The scheme workflow (R4.6): every transition and every refused one; validation."""

from __future__ import annotations

import pytest

from kaohe.core.models import AuditEvent
from kaohe.schemes import services
from kaohe.schemes.errors import SchemeErrorCode
from kaohe.schemes.models import Indicator, SchemeComment, SchemeVersion, VersionState
from kaohe.schemes.selectors import version_history
from kaohe.schemes.tests.fixtures import add
from kaohe.testing import World, refused

pytestmark = pytest.mark.django_db


def states(version: SchemeVersion) -> list[str]:
    return [line.state for line in version_history(version)]


def test_draft_submit_return_revise_resubmit_approve(world: World, drafted: SchemeVersion) -> None:
    unit_admin, office = world.users["unit_admin"], world.users["region_admin"]
    assert drafted.indicators.count() == 7 and drafted.based_on is not None
    services.version_submit(actor=unit_admin, version=drafted)
    task = drafted.indicators.get(name="完成任务")
    services.version_return(
        actor=office,
        version=drafted,
        comment="请细化评分标准",
        indicator_comments={str(task.key): "写明量化标准"},
    )
    assert SchemeComment.objects.filter(version=drafted, indicator_key=task.key).exists()
    services.indicator_update(
        actor=unit_admin, indicator=task, data={"description": "按季度任务清单逐项计分"}
    )
    services.version_submit(actor=unit_admin, version=drafted)
    services.version_approve(actor=office, version=drafted)
    drafted.refresh_from_db()
    assert drafted.state == VersionState.APPROVED
    assert states(drafted) == ["draft", "submitted", "returned", "submitted", "approved"]
    assert AuditEvent.objects.filter(action="schemes.version.return").exists()


def test_refused_transitions(world: World, drafted: SchemeVersion) -> None:
    unit_admin, office = world.users["unit_admin"], world.users["region_admin"]
    with refused(SchemeErrorCode.NOT_SUBMITTED):
        services.version_return(actor=office, version=drafted, comment="x", indicator_comments={})
    with refused(SchemeErrorCode.NOT_APPROVABLE):
        services.version_approve(actor=office, version=drafted)  # a draft is not approved directly
    with refused(SchemeErrorCode.NOT_REVIEWER):
        services.version_approve(actor=unit_admin, version=drafted)
    services.version_submit(actor=unit_admin, version=drafted)
    with refused(SchemeErrorCode.VERSION_FROZEN):
        add(world, drafted, None, "新增指标", kind="scored", max_points="5")  # submitted: frozen
    with refused(SchemeErrorCode.RETURN_NEEDS_COMMENT):
        services.version_return(actor=office, version=drafted, comment=" ", indicator_comments={})
    with refused(SchemeErrorCode.NOT_EDITOR):
        services.version_submit(actor=world.users["cadre_other"], version=drafted)
    services.version_approve(actor=office, version=drafted)
    with refused(SchemeErrorCode.VERSION_FROZEN):
        services.indicator_update(
            actor=unit_admin, indicator=drafted.indicators.get(name="德"), data={"name": "改"}
        )
    successor = services.version_new_draft(actor=unit_admin, version=drafted)
    assert successor.number == 2 and successor.indicators.count() == 7
    assert set(successor.indicators.values_list("key", flat=True)) == set(
        drafted.indicators.values_list("key", flat=True)
    )
    with refused(SchemeErrorCode.NEWER_VERSION_EXISTS):
        services.version_new_draft(actor=unit_admin, version=drafted)  # one successor at a time


def test_weights_must_add_up_to_100_and_the_message_names_the_level(
    world: World, drafted: SchemeVersion
) -> None:
    de = drafted.indicators.get(name="德")
    services.indicator_update(actor=world.users["unit_admin"], indicator=de, data={"weight": "25"})
    with refused(SchemeErrorCode.SCHEME_INCOMPLETE) as caught:
        services.version_submit(actor=world.users["unit_admin"], version=drafted)
    assert "顶层" in caught.value.message and "105" in caught.value.message
    assert len(version_history(drafted)) == 1  # still a draft, nothing recorded


def test_caps_are_validated(world: World, drafted: SchemeVersion) -> None:
    deduction = drafted.indicators.get(name="缺写工作日志")
    services.indicator_update(
        actor=world.users["unit_admin"], indicator=deduction, data={"cap": "0.2"}
    )
    ji = drafted.indicators.get(name="绩")
    add(world, drafted, ji, "加分", kind="bonus", cap="0")
    problems = services.validate_tree(drafted)
    assert any("缺写工作日志" in p and "上限" in p for p in problems)
    assert any("加分" in p for p in problems)


def test_moving_and_deleting_nodes(world: World, drafted: SchemeVersion) -> None:
    actor = world.users["unit_admin"]
    quality = drafted.indicators.get(name="工作质量")
    services.indicator_move(actor=actor, indicator=quality, direction="up")
    order = list(
        Indicator.objects.filter(parent=quality.parent)
        .order_by("position")
        .values_list("name", flat=True)
    )
    assert order[:2] == ["工作质量", "完成任务"]
    services.indicator_move(actor=actor, indicator=quality, direction="left")
    quality.refresh_from_db()
    assert quality.parent is None
    services.indicator_delete(actor=actor, indicator=quality)
    assert not drafted.indicators.filter(name="工作质量").exists()
