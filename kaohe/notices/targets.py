"""Where a webhook may point: not at this machine, nor at the link-local range.

A region office types the webhook URL; without this check it could make the server
post to its own database port or a cloud's metadata service and read the answer
from the deliveries page (docs/decisions.md, "Webhook targets")."""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

from django.conf import settings
from django.utils.translation import gettext_lazy as _

HOST_REFUSED = _(
    "The webhook URL points at this server or a link-local address; enter the robot's "
    "address (or the intranet proxy's)."
)


def refused_address(address: str) -> bool:
    """An address a robot never has: this machine (loopback, unspecified) or the
    link-local range (169.254.169.254 is a cloud's metadata service). Private ranges
    are allowed: an intranet reaches its 企业微信 proxy through one
    (docs/decisions.md, "Webhook targets")."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast


def host_refused(url: str, *, resolve: bool) -> bool:
    """Whether the URL's host is, or (with `resolve`) resolves to, a refused address.
    A host that does not resolve is not refused here: sending it fails with its reason."""
    if getattr(settings, "KAOHE_WEBHOOK_ALLOW_LOCAL", False):
        return False
    host = (urllib.parse.urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost") or refused_address(host):
        return True
    if not resolve:
        return False
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    return any(refused_address(str(info[4][0])) for info in infos)
