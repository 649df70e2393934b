"""Every typed number has one bound where it enters — the chat, the form, the plan file all read it with the same
parser — and a value stored before the bound (or by hand) can never make a document fail: it is shown as
"ค่าไม่ถูกต้อง" and listed among the checks. On SQLite and PostgreSQL (where the quantity column is 40 characters)."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
from sqlmodel import select

from base.settings import Settings
from bot.web.app import create_app
from locales.thai import QTY_DIGITS, format_quantity, parse_quantity
from reports.export import export
from reports.model import build_report
from storage.answers import Answers
from storage.models import Organisation, Role, Status, StatusReport
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN

# (typed, refused?) at and around each edge of a quantity
QUANTITIES = [
    ("9" * QTY_DIGITS, False),
    ("9" * (QTY_DIGITS + 1), True),
    ("1" * 5000, True),
    ("๑" * 41, True),
    ("1.2345", False),
    ("1.23456", True),
    ("0", False),
    ("1e5", True),
]
AMOUNTS = [("999,999,999,999.99", False), ("1,000,000,000,000", True), ("9" * 5000, True), ("0.001", True)]


async def test_boundary_values_through_the_form_and_the_chat(db, tmp_path):
    org = await setup_org(db, EXAMPLE_PLAN)
    settings = Settings(data_dir=tmp_path / "data", public_base_url="https://t.test")
    chat = Chat(db, settings)
    await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
    said = await chat.type("klang", "/form")
    token = re.search(r"#t=(\S+)", said.text).group(1)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, db)), base_url="https://t.test"
    ) as c:
        auth = {
            "Authorization": "Bearer " + (await c.post("/form/api/session", json={"link": token})).json()["session"]
        }
        items = (await c.get("/form/api/items", headers=auth)).json()["items"]
        counted = next(i for i in items if i["target_qty"])
        budgeted = next(i for i in items if i["budget"])
        for typed, refused in QUANTITIES + [(a, r) for a, r in AMOUNTS]:
            field = "qty" if (typed, refused) in QUANTITIES else "disbursed"
            it = counted if field == "qty" else budgeted
            now = {(i["item"], i["unit"]): i for i in (await c.get("/form/api/items", headers=auth)).json()["items"]}
            answer = now[(it["item"], it["unit"])]["answer"]
            base = answer["id"] if answer else None
            entry = {"item": it["item"], "unit": it["unit"], "base": base, "status": "in_progress", "done": "ทำแล้ว"}
            entry.update(qty="1", disbursed="-", over_budget_ok=True)  # the edge of the bound, not of the budget
            entry[field] = typed
            r = await c.post("/form/api/submit", headers=auth, json={"answers": [entry]})
            assert r.status_code == (422 if refused else 200), (typed[:20], r.text[:300])
            if refused:  # one short Thai sentence, not the 5,000 digits echoed back
                message = r.json()["errors"][f"{it['item']}:{it['unit']}"][field]
                assert len(message) < 200 and re.search("[\u0e00-\u0e7f]", message), message
            else:
                async with db.session(commit=False) as s:
                    rows = (await s.exec(select(StatusReport).where(StatusReport.item_id == it["item"]))).all()
                base_ok = rows[-1].qty_achieved if field == "qty" else rows[-1].disbursed
                assert base_ok is not None or typed == "0"
    # the chat reads the same way: a 5,000-digit quantity is refused and the question asked again
    said = await chat.type("klang", "/report")
    other = next(i for i in items if i["target_qty"] and i["item"] not in (counted["item"], budgeted["item"]))
    pick = next(b.data for b in said.buttons if other["code"] in b.label)
    said = await chat.press("klang", pick)
    said = await chat.press("klang", said.button("อยู่ระหว่าง"))
    said = await chat.type("klang", "ประชุมแล้ว")
    while "ดำเนินการได้แล้วกี่" not in said.text:
        said = await chat.type("klang", "-")  # money, where the item has a budget
    said = await chat.type("klang", "1" * 5000)
    assert "มากเกินไป" in said.text and "1" * 30 not in said.text and len(said.text) < 300
    said = await chat.type("klang", "๒")  # and the conversation goes on
    assert "หลักฐาน" in said.text


def test_one_parser_one_bound():
    assert parse_quantity("9" * QTY_DIGITS) == Decimal("9" * QTY_DIGITS)
    assert parse_quantity("1.50") == Decimal("1.5") and str(parse_quantity("100.0")) == "100"
    assert format_quantity(Decimal("1" * 5000)) == "ค่าไม่ถูกต้อง" and format_quantity(Decimal("12.5")) == "12.5"


async def test_a_value_stored_before_the_bound_never_breaks_a_document(tmp_path):
    """SQLite keeps whatever length was written: a 5,000-digit quantity saved before this bound existed."""
    from storage.db import Database

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await db.upgrade()
    org_id = await setup_org(db, EXAMPLE_PLAN)
    settings = Settings(data_dir=tmp_path / "data")
    async with db.session() as s:
        answers = Answers(s, org_id)
        rnd = await answers.open_round()
        pair = next(p for p in await answers.pairs(rnd.fiscal_year_id) if p.item.target_qty)
        report = StatusReport(
            org_id=org_id,
            round_id=rnd.id,
            item_id=pair.item.id,
            unit_id=pair.unit_id,
            status=Status.IN_PROGRESS,
            done_text="ทำแล้ว",
            qty_achieved=Decimal("1" * 5000),
            channel="telegram",
        )
        s.add(report)
    async with db.session(commit=False) as s:
        org = await s.get(Organisation, org_id)
        rnd = await Answers(s, org_id).open_round()
        built = await build_report(s, settings, org, rnd)
    files = export(built, ["xlsx", "docx", "pdf"], tmp_path / "out")
    assert len(files) >= 3 and all(f.stat().st_size > 1000 for f in files)
    assert any(c.kind == "invalid_value" and pair.item.code in c.message for c in built.checks)
    await db.dispose()
