"""The simulator (`tidtam run --simulator`) as a subprocess on a free port, and helpers that drive its phones in
Chromium as a person does: type, press, wait for the bot's answer."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from support.paths import ROOT
from support.ports import free_port


@contextlib.contextmanager
def start_simulator(folder: Path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_", "DATABASE_URL"))}
    env.update({"DATA_DIR": str(folder / "data"), "WEB_PORT": str(port), "PYTHONPATH": str(ROOT)})
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--simulator"], env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the simulator did not start: " + (folder / "server.log").read_text())
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(15)
    assert "Traceback" not in (folder / "server.log").read_text()


def last_bot_text(page, phone: str) -> str:
    texts = page.locator(f"#phone-{phone} .msg.out").all_inner_texts()
    return texts[-1] if texts else ""


def say(page, phone: str, text: str, expect: str) -> str:
    """Type and send; wait for a new bot message (containing ``expect``) after it."""
    before = page.locator(f"#phone-{phone} .msg").count()
    page.fill(f"#phone-{phone} input[type=text]", text)
    page.press(f"#phone-{phone} input[type=text]", "Enter")
    page.wait_for_function(
        "([sel, n, text]) => { const all = document.querySelectorAll(sel); "
        "return all.length > n + 1 && all[all.length - 1].classList.contains('out') && "
        "all[all.length - 1].innerText.includes(text); }",
        arg=[f"#phone-{phone} .msg", before, expect],
        timeout=15000,
    )
    return last_bot_text(page, phone)


def click(page, phone: str, label: str, expect: str) -> str:
    page.locator(f"#phone-{phone} .msg.out button", has_text=label).last.click()
    return wait_for(page, phone, expect)


def wait_for(page, phone: str, expect: str) -> str:
    page.wait_for_function(
        "([sel, text]) => Array.from(document.querySelectorAll(sel)).some(e => e.innerText.includes(text))",
        arg=[f"#phone-{phone} .msg.out", expect],
        timeout=15000,
    )
    return last_bot_text(page, phone)
