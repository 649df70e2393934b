"""What one hostile member can do to the organisation, measured on the code it runs with — run it on two
checkouts side by side to compare (it uses only the web API and the chat, as a member would):

    .venv/bin/python bench/hostile_member.py [--seconds 10]

1. The upload loop: photos of 300 KB, ten to a draft, send, again — for ``--seconds``: MB kept on disk, uploads
   accepted, and the first refusal.
2. A 5,000-digit quantity sent through the form: the answer's status code, and whether the round's documents
   can still be made afterwards.
3. One used invite code tried 5 times from each of 6 chat accounts, then a newcomer's valid code: joined or not.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * (300 * 1024 - 8)


async def main(seconds: float) -> None:
    import httpx

    from base.settings import Settings
    from bot.web.app import create_app
    from reports.export import export
    from reports.model import build_report
    from storage.answers import Answers
    from storage.db import Database
    from storage.models import Organisation, Role
    from support.chat import Chat, invite_code, join, setup_org
    from support.paths import EXAMPLE_PLAN

    tmp = Path(tempfile.mkdtemp(prefix="tidtam-hostile-"))
    db = Database(f"sqlite+aiosqlite:///{tmp / 'h.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    settings = Settings(data_dir=tmp / "data", public_base_url="https://t.test")
    chat = Chat(db, settings)
    await join(chat, "m", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมาชิก")
    token = re.search(r"#t=(\S+)", (await chat.type("m", "/form")).text).group(1)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, db)), base_url="https://t.test"
    ) as c:
        auth = {
            "Authorization": "Bearer " + (await c.post("/form/api/session", json={"link": token})).json()["session"]
        }
        items = (await c.get("/form/api/items", headers=auth)).json()["items"]
        accepted, refusal, start = 0, "", time.monotonic()
        while time.monotonic() - start < seconds and not refusal:
            for it in items[:2]:
                head = {
                    **auth,
                    "Content-Type": "image/png",
                    "X-Tidtam-Item": str(it["item"]),
                    "X-Tidtam-Unit": str(it["unit"]),
                }
                for _ in range(5):
                    r = await c.post("/form/api/evidence", content=PNG, headers=head)
                    if r.status_code != 200:
                        refusal = f"{r.status_code} {r.json().get('error', '')[:70]}"
                        break
                    accepted += 1
                if refusal:
                    break
            now = (await c.get("/form/api/items", headers=auth)).json()["items"]
            entries = [
                {
                    "item": i["item"],
                    "unit": i["unit"],
                    "base": i["answer"]["id"] if i["answer"] else None,
                    "status": "in_progress",
                    "done": "x",
                    "qty": "1",
                    "disbursed": "-",
                }
                for i in now[:2]
            ]
            await c.post("/form/api/submit", headers=auth, json={"answers": entries})
        elapsed = time.monotonic() - start
        kept = sum(f.stat().st_size for f in (tmp / "data" / "evidence").rglob("*") if f.is_file()) / 1024 / 1024
        print(f"upload loop: {accepted} uploads accepted, {kept:.1f} MB kept in {elapsed:.1f} s;", end=" ")
        print(f"refusal: {refusal or 'none'}")

        it = next(i for i in (await c.get("/form/api/items", headers=auth)).json()["items"] if i["target_qty"])
        entry = {
            "item": it["item"],
            "unit": it["unit"],
            "base": it["answer"]["id"] if it["answer"] else None,
            "status": "in_progress",
            "done": "x",
            "qty": "1" * 5000,
            "disbursed": "-",
        }
        r = await c.post("/form/api/submit", headers=auth, json={"answers": [entry]})
    try:
        async with db.session(commit=False) as s:
            o = await s.get(Organisation, org)
            built = await build_report(s, settings, o, await Answers(s, org).open_round())
        export(built, ["xlsx", "docx", "pdf"], tmp / "out")
        documents = "made"
    except Exception as e:  # what the member broke
        documents = f"fail ({type(e).__name__}: {str(e)[:60]})"
    print(f"5,000-digit quantity: the form answered {r.status_code}; the round's documents afterwards: {documents}")

    used = await invite_code(db, org, Role.MEMBER, "กองคลัง", uses=1)
    await chat.type("first", f"/start {used}")
    fresh = await invite_code(db, org, Role.MEMBER, "กองคลัง")
    for account in range(6):
        for _ in range(5):
            await chat.type(f"acct{account}", f"/start {used}")
    said = (await chat.type("newcomer", f"/start {fresh}")).text
    print(
        "6 accounts x 5 tries of a used code, then a newcomer's valid code:",
        "joined" if "ชื่อ" in said else f"refused ({said[:60]})",
    )
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    asyncio.run(main(parser.parse_args().seconds))
