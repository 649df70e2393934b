"""Open data for data.go.th: each published year is a dataset whose metadata the catalogue's form would accept (its
required fields filled, its choice fields within its lists) and whose CSV resources answer and hold what was
published — no person, nothing typed; the static export carries them too."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import httpx
import pytest
from test_public import PERSONAL, SECRETS, A, tidtam, world  # noqa: F401 (the fixture)

from bot.web.app import create_app
from domain.opendata import REQUIRED, contact_email, problems
from locales.errors import UserError
from storage.db import Database

pytestmark = pytest.mark.slow  # the round's documents are laid out when it is published


def test_a_published_year_is_a_dataset_the_catalogue_accepts(world, capsys, tmp_path):  # noqa: F811
    _folder, settings = world
    tidtam(capsys, "--org", A, "publish", "on", "--slug", "org-a")
    assert "เผยแพร่แล้ว" in tidtam(capsys, "--org", A, "publish", "round", "6", "--yes")
    app = create_app(settings, Database(settings.effective_database_url))

    async def get(*paths: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            return [await c.get(p) for p in paths]

    (r,) = asyncio.run(get("/p/org-a/2569/dataset.json"))
    meta = r.json()
    assert problems(meta) == ["maintainer_email: required"]  # said until the admin gives an office's address
    for bad in ("สมศรี", "a@b", "x" * 190 + "@kokchan.go.th", "a@b.c d"):
        with pytest.raises(UserError):
            contact_email(bad)
    tidtam(capsys, "--org", A, "publish", "contact", "Saraban@Kokchan.go.th")
    (r,) = asyncio.run(get("/p/org-a/2569/dataset.json"))
    meta = r.json()
    assert r.headers["content-type"].startswith("application/json") and problems(meta) == []
    assert all(meta[f] for f in REQUIRED) and meta["maintainer_email"] == "saraban@kokchan.go.th"
    assert meta["update_frequency_unit"] == "ครึ่งปี" and meta["data_category"] == "ข้อมูลสาธารณะ"
    assert [res["url"].rsplit("/p/org-a/", 1)[1] for res in meta["resources"]] == [
        "2569/plan.csv",
        "2569/6/results.csv",
    ]
    # the resources answer and hold the plan and the published statuses — no person, nothing anyone typed
    plan, results = asyncio.run(get("/p/org-a/2569/plan.csv", "/p/org-a/2569/6/results.csv"))
    rows = list(csv.reader(io.StringIO(plan.content.decode("utf-8-sig"))))
    assert len(rows) == 64 and rows[0][0] == "รหัส"
    rows = list(csv.reader(io.StringIO(results.content.decode("utf-8-sig"))))
    assert len(rows) == 64 and {r[2] for r in rows[1:]} >= {"รอรายงาน", "อยู่ระหว่างดำเนินการ"}
    for body in (plan.content, results.content, json.dumps(meta, ensure_ascii=False).encode()):
        text = body.decode("utf-8-sig")
        assert not [s for s in SECRETS + PERSONAL if s in text]
    # not published, not found
    assert [r.status_code for r in asyncio.run(get("/p/org-a/2569/12/results.csv", "/p/org-a/2570/dataset.json"))] == [
        404,
        404,
    ]
    # the static export carries the dataset and its files
    export = tmp_path / "site"
    tidtam(capsys, "--org", A, "publish", "export", str(export))
    exported = json.loads((export / "org-a" / "2569" / "dataset.json").read_text(encoding="utf-8"))
    assert problems(exported) == [] and (export / "org-a" / "2569" / "6" / "results.csv").is_file()
