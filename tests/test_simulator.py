"""The simulator in a real headless Chromium (Debian's, driven by Playwright): onboarding a person, answering
an item by clicking, advancing the clock to a reminder, the manager's summary, the reports. Screenshots are
saved in the test's folder (printed) to look at."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from support.paths import ROOT
from support.ports import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_", "DATABASE_URL"))}
    env.update({"DATA_DIR": str(tmp_path / "data"), "WEB_PORT": str(port), "PYTHONPATH": str(ROOT)})
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--simulator"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
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
        pytest.fail("the simulator did not start: " + (tmp_path / "server.log").read_text())
    yield url
    proc.terminate()
    proc.wait(15)
    assert "Traceback" not in (tmp_path / "server.log").read_text()


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


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


def test_a_round_in_the_simulator(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1500, "height": 950})
    page.goto(server + "/")
    page.wait_for_selector("#phone-admin")
    assert "ข้อมูลสาธิต" in page.inner_text("header")
    page.screenshot(path=str(tmp_path / "1-start.png"))

    # onboarding: the admin makes an invite, the newcomer joins with it
    reply = say(page, "admin", "/invite กองการศึกษา member", "รหัสเชิญ")
    code = reply.strip().splitlines()[-2].strip()  # the line before the time stamp
    assert re.fullmatch(r"[A-Z2-9]{8}", code), reply
    say(page, "newcomer", f"/start {code}", "กรุณาพิมพ์ชื่อ")
    assert "ลงทะเบียนเรียบร้อย" in say(page, "newcomer", "มานี มีใจ", "ลงทะเบียนเรียบร้อย")

    # the clock jumps to the round's opening: the reminder appears in the unit's chat
    page.click("#next")
    wait_for(page, "staff-a", "แจ้งเตือนกองคลัง")
    assert "16/03/2026 08:30" in page.inner_text("#clock")
    page.screenshot(path=str(tmp_path / "2-reminder.png"))

    # answering an item by clicking: the reminder's button, an item, a status …
    click(page, "staff-a", "รายงานเลย", "กรุณาเลือกรายการ")
    page.locator("#phone-staff-a .msg.out").last.locator("button").first.click()  # the first item
    wait_for(page, "staff-a", "รายการนี้มีสถานะอย่างไร")
    text = click(page, "staff-a", "ดำเนินการแล้วเสร็จ", "ดำเนินการอะไร")
    text = say(page, "staff-a", "จัดอบรมแล้ว มีผู้เข้าร่วม ๕๐ คน", "")
    for _ in range(8):
        text = last_bot_text(page, "staff-a")
        if "กรุณาตรวจสอบคำตอบ" in text:
            break
        if "เบิกจ่ายไปแล้ว" in text:
            say(page, "staff-a", "๑,๒๐๐", "ดำเนินการได้แล้วกี่")
        elif "ดำเนินการได้แล้วกี่" in text:
            say(page, "staff-a", "๑", "หลักฐาน")
        elif "หลักฐาน" in text and "ได้รับแล้ว" not in text:
            # a photo attached from the phone's file picker
            page.set_input_files("#phone-staff-a input[type=file]", str(tmp_path / "2-reminder.png"))
            wait_for(page, "staff-a", "ได้รับแล้ว (1)")
        elif "ได้รับแล้ว" in text:
            click(page, "staff-a", "ต่อไป", "กรุณาตรวจสอบคำตอบ")
        else:
            page.wait_for_timeout(300)
    assert "หลักฐาน: 1 รายการ" in last_bot_text(page, "staff-a")
    page.screenshot(path=str(tmp_path / "3-confirm.png"))
    click(page, "staff-a", "ยืนยัน", "บันทึกแล้ว")

    # the manager's summary counts it
    summary = say(page, "manager", "/summary", "ทั้งหมด 63 รายการ")
    assert "ดำเนินการแล้วเสร็จ: 1" in summary and "รอรายงาน: 62" in summary
    page.locator("#phone-manager .log").evaluate("e => e.scrollTop = e.scrollHeight")
    page.screenshot(path=str(tmp_path / "4-summary.png"))

    # the round's reports download from the page
    for fmt in ("xlsx", "docx", "pdf"):
        r = page.request.get(f"{server}/sim/reports/{fmt}")
        assert r.status == 200 and len(r.body()) > 5000, fmt

    # a phone-sized screen shows one chat at a time, with tabs
    small = browser.new_page(viewport={"width": 390, "height": 844})
    small.goto(server + "/?lang=en")
    small.wait_for_selector("#tabs button")
    assert small.locator(".phone.on").count() == 1 and small.is_visible("#tabs")
    assert "Jump to the next scheduled send" in small.inner_text("header")
    small.screenshot(path=str(tmp_path / "5-phone.png"))
    print("screenshots in", tmp_path)
