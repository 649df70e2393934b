"""The answer form in Debian's Chromium: how soon it is usable, what it weighs, and a unit's 13 items through the
form and through the chat.

    .venv/bin/python bench/form.py [--loads 5]

1. Time to interactive — from the navigation to the first item shown with the send button enabled — at a
   phone's size through Telegram's ``initData``, for 5 items (กองคลัง of the example plan) and 55 items
   (สำนักปลัด), with Chromium's CPU unthrottled and throttled ×4, side by side in one run (median of N loads).
2. Page weight: every response of the page, gzipped (what a server compressing it sends); no font is loaded.
3. The simulator's กองคลัง (13 items) answered on its phone with the same answers through the form and through
   the chat, each on a fresh simulator: presses, typed fields, the bot's messages, wall time (machine-driven).
Needs what `make test` installs (Chromium, the test extras, tests/peers, `make liff`).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import gzip
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def in_thread(coro):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def main(loads: int) -> None:
    from playwright.sync_api import sync_playwright
    from test_form import TOKEN
    from test_form_browser import telegram_url

    from base.settings import Settings
    from bot.web.app import create_app
    from storage.db import Database
    from storage.models import Role
    from support.browser import ARGS, CHROMIUM, PHONE, Served
    from support.chat import Chat, invite_code, join, setup_org
    from support.form_drive import form_and_chat
    from support.paths import EXAMPLE_PLAN
    from support.ports import free_port

    tmp = Path(tempfile.mkdtemp())
    port = free_port()
    url = f"sqlite+aiosqlite:///{tmp / 'form.db'}"
    settings = Settings(data_dir=tmp / "data", telegram_bot_token=TOKEN, public_base_url=f"http://127.0.0.1:{port}")

    async def prepare():
        db = Database(url, new_installation=True)
        await db.upgrade()
        org = await setup_org(db, EXAMPLE_PLAN)
        chat = Chat(db, settings)
        await join(chat, "5001", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
        await join(chat, "5003", await invite_code(db, org, Role.MEMBER, "สำนักปลัด"), "สมปอง ปลัด")
        await db.dispose()

    in_thread(prepare())
    rows = []
    with sync_playwright() as p, Served(create_app(settings, Database(url)), port) as served:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for user, items in (("5001", 5), ("5003", 55)):
            for rate in (1, 4):
                times, weight = [], {}
                for _ in range(loads):
                    context = browser.new_context(viewport=PHONE, is_mobile=True, bypass_csp=True)  # to poll
                    page = context.new_page()
                    cdp = context.new_cdp_session(page)
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                    page.on("response", lambda r, w=weight: w.__setitem__(r.url, len(gzip.compress(r.body()))))
                    page.goto(telegram_url(served.url, int(user)))
                    page.wait_for_function(
                        "document.querySelectorAll('.item').length > 0 && !document.getElementById('send').disabled",
                        polling="raf",
                    )
                    times.append(page.evaluate("performance.now()"))
                    assert page.locator(".item").count() == items
                    context.close()
                total = sum(weight.values())
                rows.append((items, rate, statistics.median(times), min(times), max(times), total))
        print("| items | CPU | interactive, median (min–max) of", loads, "| page, gzipped |")
        print("|---|---|---|---|")
        for items, rate, med, lo, hi, total in rows:
            print(f"| {items} | ×{rate} | {med:.0f} ms ({lo:.0f}–{hi:.0f}) | {total / 1024:.1f} KB |")
        liff = ROOT / "bot" / "static" / "liff" / "liff.js"
        if liff.exists():
            print(f"LIFF page adds the SDK: {len(gzip.compress(liff.read_bytes())) / 1024:.1f} KB gzipped")

        counts = form_and_chat(browser, tmp)
        print("\n| 13 items, same answers | presses | typed fields | bot messages | wall time (machine-driven) |")
        print("|---|---|---|---|---|")
        for way, n in counts.items():
            print(f"| {way} | {n['presses']} | {n['typed']} | {n['bot_messages']} | {n['seconds']} s |")
        browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=5)
    main(parser.parse_args().loads)
