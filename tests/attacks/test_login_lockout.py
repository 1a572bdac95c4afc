"""Item 18: behind the reverse proxy every request comes from the proxy's address;
a lockout keyed on that address let anyone lock anyone's login. The lockout now
keys on the browser's address, read from trusted proxies only."""

from __future__ import annotations

import ipaddress

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from kaohe.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"
ATTACKER, VICTIM = "10.20.0.66", "10.20.0.10"


def log_in(password: str, remote: str, forwarded: str | None = None) -> int:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    response = Client().post(
        reverse("login"), {"username": "region_admin", "password": password}, **extra
    )
    return response.status_code


def lock_out(remote: str, forwarded: str | None = None) -> None:
    for _ in range(5):
        log_in("wrong-password", remote, forwarded)
    assert log_in(PASSWORD, remote, forwarded) != 302, "the attacker is locked out"


def test_behind_a_trusted_proxy_one_client_cannot_lock_out_another(
    world: World, settings: Settings
) -> None:
    settings.KAOHE_TRUSTED_PROXIES = (ipaddress.ip_network(PROXY),)
    # nginx appends the address it saw to whatever the client sent.
    lock_out(PROXY, forwarded=ATTACKER)
    assert log_in(PASSWORD, PROXY, forwarded=VICTIM) == 302
    assert log_in(PASSWORD, PROXY, forwarded=f"{VICTIM}, {ATTACKER}") != 302


def test_behind_a_trusted_proxy_a_spoofed_hop_is_not_believed(
    world: World, settings: Settings
) -> None:
    settings.KAOHE_TRUSTED_PROXIES = (ipaddress.ip_network(PROXY),)
    # The attacker writes the victim's address; nginx appends the attacker's own.
    lock_out(PROXY, forwarded=f"{VICTIM}, {ATTACKER}")
    assert log_in(PASSWORD, PROXY, forwarded=VICTIM) == 302


def test_a_spoofed_forwarded_for_from_an_untrusted_client_is_ignored(
    world: World, settings: Settings
) -> None:
    settings.KAOHE_TRUSTED_PROXIES = (ipaddress.ip_network(PROXY),)
    lock_out(ATTACKER, forwarded=VICTIM)
    assert log_in(PASSWORD, VICTIM) == 302
    assert log_in(PASSWORD, ATTACKER, forwarded=VICTIM) != 302


def test_without_trusted_proxies_the_header_is_never_read(world: World) -> None:
    lock_out(ATTACKER, forwarded=VICTIM)
    assert log_in(PASSWORD, VICTIM) == 302
    assert log_in(PASSWORD, ATTACKER, forwarded=VICTIM) != 302
