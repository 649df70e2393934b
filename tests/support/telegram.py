"""The Telegram emulator harness and the people's side of it, shared by the Telegram tests."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from dataclasses import dataclass

import httpx
import pytest

from support.paths import ROOT
from support.ports import free_port

PEERS = ROOT / "tests" / "peers"
TOKEN = "123456:TEST-TOKEN"


@dataclass
class BotMessage:
    id: int
    text: str
    buttons: list[tuple[str, str]]

    def button(self, part: str) -> str:
        for label, data in self.buttons:
            if part in label:
                return data
        raise AssertionError(f"no button {part!r} in {[b[0] for b in self.buttons]}")


class Peer:
    """The people's side of the emulator."""

    def __init__(self, base: str, token: str = TOKEN):
        """``token``: the bot the people talk to (the deployment's, or an organisation's own)."""
        self.http = httpx.Client(base_url=base, timeout=10)
        self.token = token

    def _user(self, uid: int) -> dict:
        return {"id": uid, "first_name": f"user{uid}", "username": f"user{uid}", "is_bot": False}

    def messages(self, chat_id: int) -> list[BotMessage]:
        history = self.http.post("/getUpdatesHistory", json={"token": self.token}).json()["result"]
        out = []
        for item in history:
            msg = item.get("message") or {}
            if "chat_id" in msg and str(msg["chat_id"]) == str(chat_id):
                markup = msg.get("reply_markup") or {}
                buttons = [
                    (b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row
                ]
                out.append(BotMessage(item["messageId"], msg.get("text", ""), buttons))
        return out

    def _act(self, chat_id: int, send, expect: str, timeout: float = 20) -> list[BotMessage]:
        """Do something, then wait until a new or edited bot message containing ``expect`` shows up."""
        before = {(m.id, m.text, tuple(m.buttons)) for m in self.messages(chat_id)}
        send()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            changed = [m for m in self.messages(chat_id) if (m.id, m.text, tuple(m.buttons)) not in before]
            if any(expect in m.text for m in changed):
                return changed
            time.sleep(0.05)
        raise AssertionError(
            f"no reply with {expect!r} for {chat_id}; last: {[m.text for m in self.messages(chat_id)][-3:]}"
        )

    def say(self, uid: int, text: str, expect: str) -> list[BotMessage]:
        body = {
            "botToken": self.token,
            "from": self._user(uid),
            "date": int(time.time()),
            "text": text,
            "chat": {"id": uid, "type": "private", "first_name": f"user{uid}"},
        }
        route = "/sendMessage"
        if text.startswith("/"):
            body["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
            route = "/sendCommand"
        return self._act(uid, lambda: self.http.post(route, json=body).raise_for_status(), expect)

    def press(self, uid: int, message: BotMessage, data: str, expect: str) -> list[BotMessage]:
        body = {
            "botToken": self.token,
            "from": self._user(uid),
            "data": data,
            "date": int(time.time()),
            "message": {
                "message_id": message.id,
                "date": int(time.time()),
                "chat": {"id": uid, "type": "private", "first_name": f"user{uid}"},
            },
        }
        return self._act(uid, lambda: self.http.post("/sendCallback", json=body).raise_for_status(), expect)


def with_buttons(messages: list[BotMessage]) -> BotMessage:
    return [m for m in messages if m.buttons][-1]


@contextlib.contextmanager
def start_harness():
    """The emulator and its correcting proxy: yields (client routes URL, bot API URL for the product)."""
    if shutil.which("node") is None or not (PEERS / "node_modules" / "telegram-test-api").exists():
        raise RuntimeError("telegram-test-api is not installed: run `make test` (npm ci in tests/peers)")
    emu, proxy = free_port(), free_port()
    proc = subprocess.Popen(
        ["node", str(PEERS / "telegram-harness.js"), str(emu), str(proxy)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"the Telegram emulator did not start: {line}")
        yield f"http://127.0.0.1:{emu}", f"http://127.0.0.1:{proxy}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def emulator(tmp_path):
    try:
        with start_harness() as urls:
            yield urls
    except RuntimeError as e:
        pytest.fail(str(e))
