"""One unit's whole list answered on the simulator's phone twice, with the same answers: through the chat and
through the form beside it; each counts the presses and typed fields it took and its wall time. The browser test
checks the counts; bench/form.py prints them."""

from __future__ import annotations

import re
import time
from pathlib import Path

from support.simulator import last_bot_text, say, start_simulator, wait_for

DONE, MONEY, QTY = "ดำเนินการแล้ว", "-", "1"  # the same answer to every item: in progress, nothing spent yet


def _changed(page, phone: str, before: str, expect: str, timeout: int = 15000) -> str:
    """Wait until the bot has answered after the person (its last message is new and says ``expect``)."""
    page.wait_for_function(
        "([phone, before, expect]) => { const all = document.querySelectorAll('#phone-' + phone + ' .msg');"
        " const last = all[all.length - 1]; return last && last.classList.contains('out') &&"
        " last.innerText !== before && last.innerText.includes(expect); }",
        arg=[phone, before, expect],
        timeout=timeout,
    )
    return last_bot_text(page, phone)


def _press(page, phone: str, label: str, expect: str = "") -> str:
    before = last_bot_text(page, phone)
    page.locator(f"#phone-{phone} .msg.out button", has_text=label).last.click()
    return _changed(page, phone, before, expect)


def _type(page, phone: str, text: str) -> str:
    before = last_bot_text(page, phone)
    page.fill(f"#phone-{phone} input[type=text]", text)
    page.press(f"#phone-{phone} input[type=text]", "Enter")
    return _changed(page, phone, before, "")


def answer_by_chat(page, phone: str = "staff-a") -> dict:
    n = {"presses": 0, "typed": 0, "items": 0, "bot_messages": 0}
    start, first = time.perf_counter(), page.locator(f"#phone-{phone} .msg.out").count()
    _press(page, phone, "รายงานเลย", "กรุณาเลือกรายการ")
    before = last_bot_text(page, phone)
    page.locator(f"#phone-{phone} .msg.out").last.locator("button").first.click()  # the first item
    text = _changed(page, phone, before, "สถานะอย่างไร")
    n["presses"] += 2
    while "รายงานครบทุกรายการ" not in text:
        if "สถานะอย่างไร" in text:
            text = _press(page, phone, "อยู่ระหว่างดำเนินการ")
        elif "ดำเนินการอะไรไปแล้ว" in text:
            text, n["typed"] = _type(page, phone, DONE), n["typed"] + 1
            continue
        elif "เบิกจ่ายไปแล้ว" in text:
            text, n["typed"] = _type(page, phone, MONEY), n["typed"] + 1
            continue
        elif "ดำเนินการได้แล้วกี่" in text:
            text, n["typed"] = _type(page, phone, QTY), n["typed"] + 1
            continue
        elif "หลักฐาน (ไม่บังคับ)" in text:
            text = _press(page, phone, "ต่อไป", "กรุณาตรวจสอบคำตอบ")
        elif "กรุณาตรวจสอบคำตอบ" in text:
            text = _press(page, phone, "ยืนยัน")
            n["items"] += 1
        elif "บันทึกแล้ว" in text:  # the summary turned into "saved"; the next item's question follows it
            text = _changed(page, phone, text, "")
            continue
        else:
            raise AssertionError(f"unexpected: {text}")
        n["presses"] += 1
    n["seconds"] = round(time.perf_counter() - start, 1)
    n["bot_messages"] = page.locator(f"#phone-{phone} .msg.out").count() - first
    return n


def answer_by_form(page, phone: str = "staff-a") -> dict:
    n = {"presses": 0, "typed": 0, "items": 0, "bot_messages": 0}
    start, first = time.perf_counter(), page.locator(f"#phone-{phone} .msg.out").count()
    _press(page, phone, "ตอบทุกรายการในหน้าเดียว", "ลิงก์ใช้ได้ครั้งเดียว")
    page.locator(f"#phone-{phone} .msg.out button", has_text="เปิดแบบฟอร์ม").last.click()
    n["presses"] += 2
    form = page.frame_locator("#form-panel iframe")
    form.locator(".item").first.wait_for()
    items = form.locator(".item")
    for i in range(items.count()):
        box = items.nth(i)
        box.locator(".seg label", has_text="อยู่ระหว่างดำเนินการ").click()
        n["presses"] += 1
        box.locator("textarea[name=done]").fill(DONE)
        n["typed"] += 1
        for name, value in (("disbursed", MONEY), ("qty", QTY)):
            if box.locator(f"input[name={name}]").count():
                box.locator(f"input[name={name}]").fill(value)
                n["typed"] += 1
        n["items"] += 1
    form.locator("#send").click()
    n["presses"] += 1
    form.locator("#status", has_text=f"บันทึกแล้ว {n['items']} รายการ").wait_for(timeout=15000)
    page.wait_for_function(
        "([phone, n]) => Array.from(document.querySelectorAll('#phone-' + phone + ' .msg.out'))"
        ".some(e => e.innerText.includes('บันทึกจากแบบฟอร์มแล้ว ' + n + ' รายการ'))",
        arg=[phone, n["items"]],
        timeout=15000,
    )
    n["seconds"] = round(time.perf_counter() - start, 1)
    n["bot_messages"] = page.locator(f"#phone-{phone} .msg.out").count() - first
    return n


def form_and_chat(browser, folder: Path) -> dict[str, dict]:
    """Both ways, each on a fresh simulator opened at the round's start; with the manager's count of items in
    progress afterwards (the same answers saved both ways) and a screenshot of each."""
    counts = {}
    for way, drive in (("form", answer_by_form), ("chat", answer_by_chat)):
        (folder / way).mkdir()
        with start_simulator(folder / way) as url:
            page = browser.new_page(viewport={"width": 1500, "height": 950})
            page.goto(url + "/")
            page.click("#next")  # the round opens: the unit's reminder
            wait_for(page, "staff-a", "แจ้งเตือนกองคลัง")
            counts[way] = drive(page)
            page.screenshot(path=str(folder / way / "done.png"))
            text = say(page, "manager", "/summary", "ทั้งหมด 63 รายการ")
            counts[way]["summary"] = re.search(r"อยู่ระหว่างดำเนินการ: (\d+)", text).group(1)
            page.close()
    return counts
