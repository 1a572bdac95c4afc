"""Outside channels against a local HTTP server: 企业微信 and 钉钉 robots, retries with
back-off, the admins' page and retry button, email, masking and validation."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from kaohe.accounts.models import User
from kaohe.notices import services
from kaohe.notices.channels import dingtalk_signed_url
from kaohe.notices.models import Channel, ChannelKind, Delivery, DeliveryState, mask
from kaohe.notices.tests.conftest import Robot
from kaohe.testing import World

MONDAY = dt.date(2026, 3, 2)
Capture = Callable[..., Any]


def _robots(world: World, robot: Robot) -> tuple[Channel, Channel]:
    wecom = Channel.objects.create(
        region=world.region, name="考核群（企业微信）", kind=ChannelKind.WECOM, target=robot.url
    )
    dingtalk = Channel.objects.create(
        region=world.region,
        name="考核群（钉钉）",
        kind=ChannelKind.DINGTALK,
        target=robot.url,
        secret="SEC0123456789abcdef",
    )
    return wecom, dingtalk


def test_the_robots_receive_the_log_reminder_in_their_formats(
    world: World,
    robot: Robot,
    client_as: Callable[[str], Client],
    settings: Settings,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    settings.KAOHE_TODAY = MONDAY
    _robots(world, robot)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("region_admin").post(reverse("notices:remind_logs"))
    assert response.status_code == 302
    assert len(robot.received) == 2
    for payload in robot.received:
        assert payload["msgtype"] == "text"
        assert set(payload) == {"msgtype", "text"}
        assert "4" in payload["text"]["content"]  # four people with an account
    wecom_path, ding_path = sorted(robot.paths, key=len)
    assert wecom_path == "/robot/send?key=k1"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(ding_path).query)
    assert set(query) == {"key", "timestamp", "sign"}
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_dingtalk_signature_follows_the_documented_recipe() -> None:
    # DingTalk: sign = urlencode(base64(HmacSHA256(key=secret, msg=timestamp + "\n" + secret)))
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SECx", 1)
    assert url.startswith("https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1&sign=")
    import base64
    import hashlib
    import hmac

    digest = hmac.new(b"SECx", b"1\nSECx", hashlib.sha256).digest()
    assert url.endswith(urllib.parse.quote_plus(base64.b64encode(digest)))


def test_a_failed_delivery_is_retried_with_back_off_shown_and_sent_when_the_robot_recovers(
    world: World,
    robot: Robot,
    client_as: Callable[[str], Client],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    Channel.objects.create(
        region=world.region, name="考核群", kind=ChannelKind.WECOM, target=robot.url
    )
    robot.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(users=[world.users["cadre"]], text="第一季度结果已公布", kind="test")
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.attempts == 1 and delivery.last_error == "机器人返回 HTTP 500。"
    assert delivery.next_attempt_at is not None
    first_gap = delivery.next_attempt_at - timezone.now()

    # Not due yet: the sweep leaves it alone.
    assert services.deliveries_sweep() == 0
    # Due: attempted again, fails again, waits longer.
    robot.status, robot.answer = 200, {"errcode": 310000, "errmsg": "keywords not in content"}
    at = delivery.next_attempt_at
    assert services.deliveries_sweep(now=at) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RETRYING and delivery.attempts == 2
    assert delivery.last_error == "机器人拒收消息（errcode 310000：keywords not in content）。"
    assert delivery.next_attempt_at is not None
    second_gap = delivery.next_attempt_at - at
    assert second_gap > first_gap

    page = client_as("region_admin").get(reverse("notices:deliveries"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "delivery-retrying" in html and "机器人拒收消息（errcode 310000" in html
    assert robot.url not in html  # the webhook key is a secret

    robot.answer = {"errcode": 0, "errmsg": "ok"}
    response = client_as("region_admin").post(reverse("notices:delivery_retry", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.attempts == 3
    assert len(robot.received) == 3


def test_after_the_last_attempt_it_stays_failed_and_waits_for_an_admin(
    world: World, robot: Robot, django_capture_on_commit_callbacks: Capture
) -> None:
    Channel.objects.create(region=world.region, name="群", kind=ChannelKind.WECOM, target=robot.url)
    robot.status = 502
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(users=[world.users["cadre"]], text="通知", kind="test")
    now = timezone.now()
    for _ in range(services.MAX_ATTEMPTS + 2):
        now += services.RETRY_CAP
        services.deliveries_sweep(now=now)
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == services.MAX_ATTEMPTS
    assert delivery.next_attempt_at is None
    robot.status = 200
    services.delivery_retry(actor=world.users["region_admin"], delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT


def test_with_the_database_queue_a_retry_is_queued_for_its_time(
    world: World, robot: Robot, settings: Settings
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    channel = Channel.objects.create(
        region=world.region, name="群", kind=ChannelKind.WECOM, target=robot.url
    )
    robot.status = 500
    delivery = Delivery.objects.create(region=world.region, channel=channel, kind="t", text="x")
    services.delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    queued = DBTaskResult.objects.get(task_path="kaohe.notices.services.delivery_send")
    assert queued.run_after == delivery.next_attempt_at
    assert queued.args_kwargs["args"] == [delivery.pk]


def test_email_goes_through_djangos_backend_to_each_address(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    Channel.objects.create(region=world.region, name="邮件", kind=ChannelKind.EMAIL)
    User.objects.filter(pk=world.users["cadre"].pk).update(email="zhang@example.gov.cn")
    User.objects.filter(pk=world.users["unit_head"].pk).update(email="wang@example.gov.cn")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            users=[world.users["cadre"], world.users["unit_head"], world.users["team_member"]],
            text="请填写今日纪实",
            kind="test",
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["wang@example.gov.cn", "zhang@example.gov.cn"]
    assert all("请填写今日纪实" in m.body and len(m.to) == 1 for m in mail.outbox)
    assert Delivery.objects.get().state == DeliveryState.SENT


def test_channels_of_another_region_are_not_used(
    world: World, robot: Robot, django_capture_on_commit_callbacks: Capture
) -> None:
    Channel.objects.create(
        region=world.other_region, name="邻区群", kind=ChannelKind.WECOM, target=robot.url
    )
    Channel.objects.create(
        region=world.region, name="停用", kind=ChannelKind.WECOM, target=robot.url, enabled=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(users=[world.users["cadre"]], text="通知", kind="test")
    assert robot.received == [] and not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("kind", "target", "secret"),
    [
        (ChannelKind.WECOM, "ftp://qyapi.weixin.qq.com/x", ""),
        (ChannelKind.WECOM, "javascript:alert(1)", ""),
        (ChannelKind.DINGTALK, "", ""),
        (ChannelKind.EMAIL, "not an address", ""),
        (ChannelKind.WECOM, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "SEC1"),
    ],
)
def test_channel_targets_are_validated(world: World, kind: str, target: str, secret: str) -> None:
    channel = Channel(region=world.region, name="x", kind=kind, target=target, secret=secret)
    with pytest.raises(ValidationError):
        channel.full_clean()


def test_webhook_urls_are_shown_masked() -> None:
    url = (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    )
    shown = mask(url)
    assert "693a91f6" not in shown and shown.endswith("5aaa")


def test_the_channel_admin_masks_the_url_keeps_it_on_a_blank_save_and_keeps_regions_apart(
    world: World, client_as: Callable[[str], Client]
) -> None:
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-robot-key-1234"
    channel = Channel.objects.create(
        region=world.region, name="考核群", kind=ChannelKind.WECOM, target=url
    )
    admin = client_as("region_admin")
    listing = admin.get(reverse("admin:notices_channel_changelist")).content.decode()
    assert "考核群" in listing and "secret-robot-key" not in listing
    change = reverse("admin:notices_channel_change", args=[channel.pk])
    assert "secret-robot-key" not in admin.get(change).content.decode()
    response = admin.post(
        change, {"name": "考核群改名", "kind": "wecom", "target": "", "secret": "", "enabled": "on"}
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.name == "考核群改名" and channel.target == url

    other = client_as("other_admin")
    assert "考核群" not in other.get(reverse("admin:notices_channel_changelist")).content.decode()
    assert other.get(change).status_code in (302, 404)


def test_deliveries_stay_in_their_region(
    world: World, robot: Robot, client_as: Callable[[str], Client]
) -> None:
    channel = Channel.objects.create(
        region=world.region, name="考核群", kind=ChannelKind.WECOM, target=robot.url
    )
    delivery = Delivery.objects.create(
        region=world.region, channel=channel, kind="t", text="本区消息", state="failed"
    )
    other = client_as("other_admin")
    assert "本区消息" not in other.get(reverse("notices:deliveries")).content.decode()
    retry = reverse("notices:delivery_retry", args=[delivery.pk])
    assert other.post(retry).status_code == 404
    for persona in ("cadre", "unit_admin", "unit_head"):
        assert client_as(persona).get(reverse("notices:deliveries")).status_code == 404
        assert client_as(persona).post(retry).status_code == 404
    assert robot.received == []


def test_outside_messages_link_to_the_page_when_the_site_address_is_set(
    world: World,
    robot: Robot,
    settings: Settings,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    settings.KAOHE_SITE_URL = "https://kaohe.example.gov.cn"
    Channel.objects.create(region=world.region, name="群", kind=ChannelKind.WECOM, target=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            users=[world.users["cadre"]], text="结果已公布", url="/scoring/mine/", kind="t"
        )
    assert robot.received[0]["text"]["content"] == (
        "结果已公布\nhttps://kaohe.example.gov.cn/scoring/mine/"
    )
