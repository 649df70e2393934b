"""The simulator in a real headless Chromium (Debian's, driven by Playwright): onboarding a person, answering
an item by clicking, advancing the clock to a reminder, the manager's summary, the reports. Screenshots are
saved in the test's folder (printed) to look at."""

from __future__ import annotations

import re

import pytest

from support.simulator import click, last_bot_text, say, start_simulator, wait_for


@pytest.fixture
def server(tmp_path):
    with start_simulator(tmp_path) as url:
        yield url


def test_a_round_in_the_simulator(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1500, "height": 950})
    page.goto(server + "/")
    page.wait_for_selector("#phone-admin")
    assert "ข้อมูลสาธิต" in page.inner_text("header")
    page.screenshot(path=str(tmp_path / "1-start.png"))

    # onboarding: the admin makes an invite, the newcomer joins with it
    reply = say(page, "admin", "/invite กองการศึกษา member", "รหัสเชิญ")
    code = re.search(r"\b[A-Z2-9]{8}\b", reply).group(0)
    # one clock: the invite expires by the simulated date (March 2569), the bubble shows it in BE
    assert "มี.ค. 2569" in reply and "ธ.ค." not in reply and "2026" not in reply, reply
    say(page, "newcomer", f"/start {code}", "กรุณาพิมพ์ชื่อ")
    assert "ลงทะเบียนเรียบร้อย" in say(page, "newcomer", "มานี มีใจ", "ลงทะเบียนเรียบร้อย")

    # the clock jumps to the round's opening: the reminder appears in the unit's chat
    page.click("#next")
    wait_for(page, "staff-a", "แจ้งเตือนกองคลัง")
    assert re.search(r"16 มี\.ค\. 2569 08:3\d", page.inner_text("#clock")), page.inner_text("#clock")
    overdue = say(page, "admin", "/overdue", "")
    assert not re.search(r"\d{3} วัน", overdue), overdue  # the round opened today: nothing is 238 days late
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
    for width, height in ((390, 844), (320, 568)):
        small = browser.new_page(viewport={"width": width, "height": height})
        small.goto(server + ("/?lang=en" if width == 390 else "/"))
        small.wait_for_selector("#tabs button")
        assert small.locator(".phone.on").count() == 1 and small.is_visible("#tabs")
        box = small.locator(".phone.on input[type=text]").bounding_box()
        assert box and box["y"] + box["height"] <= height, (width, box)  # the text box is in view, not below
        assert small.evaluate("document.documentElement.scrollWidth") <= width
        small.screenshot(path=str(tmp_path / f"5-phone-{width}.png"))
        if width == 390:
            assert "Jump to the next scheduled send" in small.inner_text("header")
    print("screenshots in", tmp_path)
