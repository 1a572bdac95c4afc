"""A region office points a group-robot webhook at the server itself (SSRF).

Without a check, `http://127.0.0.1:5432/` made the server post to its own database
port, `http://169.254.169.254/` to a cloud's metadata service, and the deliveries page
showed what answered ("连接被拒绝" or "HTTP 404"): a port scan of the machine from the
browser. Loopback, unspecified and link-local targets are refused when the channel is
saved and again when it sends (a name that resolves to one, a redirect to one).
Private ranges stay allowed: an intranet reaches its 企业微信 proxy through one
(docs/decisions.md, "Webhook targets")."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kaohe.notices import services
from kaohe.notices.channels import DeliveryError, send_email, send_wecom
from kaohe.notices.models import Channel, ChannelKind, Delivery, DeliveryState
from kaohe.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener() -> Iterator[dict[str, Any]]:
    """Something on this machine that must not be reached: records every request."""
    seen: dict[str, Any] = {"hits": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen["hits"] += 1
            self.send_response(302)
            self.send_header("Location", seen.get("to", "/"))
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    seen["port"] = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:5432/",
        "http://localhost:8000/admin/",
        "http://[::1]:5432/",
        "http://0.0.0.0:22/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_a_local_or_link_local_target_is_refused_on_save(world: World, target: str) -> None:
    channel = Channel(region=world.region, name="群", kind=ChannelKind.WECOM, target=target)
    with pytest.raises(ValidationError) as refused:
        channel.full_clean()
    assert "本机" in str(refused.value)


def test_the_admin_refuses_it_in_chinese(world: World, client_as: Callable[[str], Client]) -> None:
    response = client_as("region_admin").post(
        reverse("admin:notices_channel_add"),
        {"name": "群", "kind": "wecom", "target": "http://127.0.0.1:5432/", "enabled": "on"},
    )
    assert response.status_code == 200
    assert "本机" in response.content.decode()
    assert not Channel.objects.exists()


def test_a_private_intranet_proxy_is_allowed(world: World) -> None:
    Channel(
        region=world.region,
        name="群",
        kind=ChannelKind.WECOM,
        target="http://10.1.2.3/cgi-bin/webhook/send?key=k",
    ).full_clean()


def test_a_saved_local_target_is_not_reached_when_sending(
    world: World, listener: dict[str, Any]
) -> None:
    # Saved before the check, or by a name resolving to this machine.
    for host in ("127.0.0.1", "localhost", "2130706433"):
        channel = Channel(
            region=world.region, kind=ChannelKind.WECOM, target=f"http://{host}:{listener['port']}/"
        )
        with pytest.raises(DeliveryError) as refused:
            send_wecom(channel, "x", "", [])
        assert "本机" in str(refused.value)
    assert listener["hits"] == 0


def test_a_redirect_is_not_followed(
    world: World, listener: dict[str, Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # An outside robot that answers 302 to an inside address: shown as an HTTP failure.
    settings.KAOHE_WEBHOOK_ALLOW_LOCAL = True  # the "outside" robot is the listener here
    listener["to"] = "http://127.0.0.1:1/"
    Channel.objects.create(
        region=world.region,
        name="群",
        kind=ChannelKind.WECOM,
        target=f"http://127.0.0.1:{listener['port']}/",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(users=[world.users["cadre"]], text="x", kind="test")
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.last_error == "机器人返回 HTTP 302。"
    assert listener["hits"] == 1


def test_why_a_robot_did_not_answer_is_said_in_chinese(world: World, settings: Any) -> None:
    # The C library's English ("[Errno 111] Connection refused") told apart an open
    # port from a closed one, on a Chinese page.
    settings.KAOHE_WEBHOOK_ALLOW_LOCAL = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()  # nothing listens there now
    channel = Channel(
        region=world.region, kind=ChannelKind.WECOM, target=f"http://127.0.0.1:{port}/"
    )
    with pytest.raises(DeliveryError) as failed:
        send_wecom(channel, "x", "", [])
    assert str(failed.value) == "无应答：无法连接"


def test_why_the_mail_server_failed_is_said_in_chinese(world: World, settings: Any) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    channel = Channel(region=world.region, kind=ChannelKind.EMAIL, target="")
    with pytest.raises(DeliveryError) as failed:
        send_email(channel, "x", "", ["a@example.com"])
    assert str(failed.value) == "邮件服务器出错：无法连接"
