"""LINE's side for the tests: a Prism mock of LINE's own OpenAPI spec, and webhook bodies signed as LINE signs them."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import shutil
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest

from support.paths import ROOT
from support.ports import free_port

PEERS = ROOT / "tests" / "peers"
SPECS = PEERS / "line"  # vendored from line/line-openapi (Apache-2.0), see tests/peers/line/README.md
SECRET = "test-channel-secret"
_ids = itertools.count(1)


@contextlib.contextmanager
def start_prism():
    prism = PEERS / "node_modules" / ".bin" / "prism"
    spec = SPECS / "messaging-api.yml"
    if shutil.which("node") is None or not prism.exists():
        raise RuntimeError("Prism is not installed: run `make test` (npm ci in tests/peers)")
    if not spec.exists():
        raise RuntimeError(f"LINE's OpenAPI spec is missing: {spec}")
    port = free_port()
    proc = subprocess.Popen(
        [str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), str(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(url + "/v2/bot/info", headers={"Authorization": "Bearer t"}, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("Prism did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def prism():
    try:
        with start_prism() as url:
            yield url
    except RuntimeError as e:
        pytest.fail(str(e))


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def event(
    kind: str,
    user: str,
    *,
    text: str = "",
    data: str = "",
    event_id: str | None = None,
    group: str | None = None,
    redelivery: bool = False,
    image: bool = False,
) -> dict:
    """A webhook event shaped as webhook.yml defines it."""
    source = {"type": "group", "groupId": group, "userId": user} if group else {"type": "user", "userId": user}
    ev = {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": source,
        "webhookEventId": event_id or uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if kind in ("message", "postback", "follow", "join"):
        ev["replyToken"] = uuid.uuid4().hex
    if kind == "message" and image:
        ev["message"] = {
            "type": "image",
            "id": str(next(_ids)),
            "quoteToken": "q" + uuid.uuid4().hex,
            "contentProvider": {"type": "line"},
        }
    elif kind == "message":
        ev["message"] = {"type": "text", "id": str(next(_ids)), "quoteToken": "q" + uuid.uuid4().hex, "text": text}
    if kind == "postback":
        ev["postback"] = {"data": data}
    return ev


def body(*events: dict) -> bytes:
    return json.dumps({"destination": "U" + "0" * 32, "events": list(events)}, ensure_ascii=False).encode()


@pytest.fixture
def line_login():
    """A stand-in for LINE Login's token and verify endpoints on loopback: it knows two sign-in codes (each used
    once, as LINE's), given for the channel secret "login-secret", and the ID tokens they stand for."""
    seen: list[dict] = []
    codes = {"good-code": "good-token", "member-code": "member-token"}
    users = {"good-token": "Uline0001", "member-token": "Uline0002"}

    class Verify(BaseHTTPRequestHandler):
        def do_POST(self):
            form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            seen.append(form)
            code = (form.get("code") or [""])[0]
            if self.path == "/oauth2/v2.1/token" and code in codes and form.get("client_secret") == ["login-secret"]:
                body, status = {"access_token": "a", "token_type": "Bearer", "id_token": codes.pop(code)}, 200
            elif self.path == "/oauth2/v2.1/verify" and (form.get("id_token") or [""])[0] in users:
                sub = users[form["id_token"][0]]
                body, status = {"iss": "https://access.line.me", "sub": sub, "aud": form["client_id"][0]}, 200
            elif form.get("id_token") == ["other-channel"]:
                body, status = {"sub": "Uline0001", "aud": "9999"}, 200
            else:
                body, status = {"error": "invalid_request", "error_description": "Invalid IdToken."}, 400
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Verify)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()
