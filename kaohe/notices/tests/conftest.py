from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pytest_django.fixtures import Settings


@dataclass
class Robot:
    """A group robot on 127.0.0.1: records what it receives, answers as told."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    status: int = 200
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})


@pytest.fixture
def robot(settings: Settings) -> Iterator[Robot]:
    # The robot runs on this machine, where webhooks may not point in production.
    settings.KAOHE_WEBHOOK_ALLOW_LOCAL = True
    state: dict[str, Robot] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bot = state["robot"]
            length = int(self.headers.get("Content-Length", "0"))
            bot.received.append(json.loads(self.rfile.read(length)))
            bot.paths.append(self.path)
            body = json.dumps(bot.answer).encode()
            self.send_response(bot.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["robot"] = Robot(url=f"http://127.0.0.1:{server.server_address[1]}/robot/send?key=k1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["robot"]
    finally:
        server.shutdown()
        server.server_close()
