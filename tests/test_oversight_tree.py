"""The oversight tree: a nation over regions over provinces over organisations, built from provinces' files; an
overseer at each level sees exactly what lies beneath it and nothing else, and no office can be put beneath itself."""

from __future__ import annotations

import asyncio
import re

from test_cli import assert_one_thai_error, tidtam

from base.settings import Settings, get_settings
from storage.db import Database
from storage.models import OrgKind, Role
from storage.oversight import offices_beneath, overseen_ids
from storage.repo import create_organisation, find_organisation
from support.chat import Chat, invite_code, join

PROVINCES = {"ภาค-1": ("สถ.จ.ก", "สถ.จ.ข"), "ภาค-2": ("สถ.จ.ค", "สถ.จ.ง")}


def province_file(folder, province: str) -> str:
    """A province's organisations as its office would list them (its letter in each name and address)."""
    letter = province[-1]
    slug = {"ก": "ka", "ข": "kha", "ค": "kho", "ง": "ngo"}[letter]
    rows = ["ชื่อองค์กร,ประเภท,อำเภอ,ที่อยู่เว็บ"]
    rows += [f"อบต.{letter}-{i},อบต.,อำเภอ{i},{slug}-{i}" for i in (1, 2)]
    rows.append(f"เทศบาลตำบล{letter}-3,เทศบาลตำบล,เมือง,{slug}-3")
    path = folder / f"{slug}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_each_level_sees_exactly_what_lies_beneath_it(cli_env, capsys):
    db_url = get_settings().effective_database_url

    async def offices() -> None:
        db = Database(db_url)
        await db.upgrade()
        async with db.session() as s:
            for name in ["ประเทศ", *PROVINCES, *(p for ps in PROVINCES.values() for p in ps)]:
                province = f"จังหวัด{name[-1]}" if name.startswith("สถ.จ.") else ""  # a region's office has none
                await create_organisation(
                    s, name=name, kind=OrgKind.OVERSIGHT, province=province, district="", fiscal_year=2569
                )
        await db.dispose()

    asyncio.run(offices())
    # each province's office builds its province from a file; a careless file writes nothing
    bad = cli_env / "bad.csv"
    bad.write_text(
        "ชื่อองค์กร,ประเภท,อำเภอ,ที่อยู่เว็บ\nอบต.ผิด,อบท.,,ok\n,อบต.,,x\nอบต.ซ้ำ,อบต.,,Bad Slug\nอบต.ซ้ำ,อบต.,,\n"
        + "อบต.ยาว,อบต.,"
        + "อ" * 101
        + ",\n",
        encoding="utf-8",
    )
    code, _out, err = tidtam(capsys, "--org", "สถ.จ.ก", "oversee", "import", str(bad))
    assert code == 1 and "Traceback" not in err
    (cli_env / "import-error.txt").write_text(err, encoding="utf-8")
    for fragment in ("แถว 2", "อบท.) หมายถึง อบต. หรือไม่", "แถว 3", "แถว 4", "แถว 5", "แถว 6"):
        assert fragment in err, (fragment, err)
    # a region's office has no province: organisations it would create would have none, so it creates nothing
    code, _out, err = tidtam(capsys, "--org", "ภาค-1", "oversee", "import", province_file(cli_env, "สถ.จ.ก"))
    assert_one_thai_error(code, err, "ไม่ได้ระบุจังหวัด")
    for provinces in PROVINCES.values():
        for province in provinces:
            path = province_file(cli_env, province)
            code, out, err = tidtam(capsys, "--org", province, "oversee", "import", path, "--dry-run")
            assert code == 0 and "ไม่ได้บันทึก" in out, err
            code, out, err = tidtam(capsys, "--org", province, "oversee", "import", path)
            assert code == 0 and "สร้างใหม่ 3 แห่ง" in out and "เพิ่มเข้าในสังกัด 3 แห่ง" in out, err
            code, out, err = tidtam(capsys, "--org", province, "oversee", "import", path)  # again: nothing new
            assert code == 0 and "อยู่ในสังกัดแล้ว 3 แห่ง" in out and "เพิ่มเข้าในสังกัด 0 แห่ง" in out, out
    for region, provinces in PROVINCES.items():
        assert tidtam(capsys, "--org", region, "oversee", "add", *provinces)[0] == 0
    assert tidtam(capsys, "--org", "ประเทศ", "oversee", "add", *PROVINCES)[0] == 0
    # no office beneath itself
    code, _out, err = tidtam(capsys, "--org", "สถ.จ.ก", "oversee", "add", "ประเทศ")
    assert_one_thai_error(code, err, "ประเทศ")
    code, out, _err = tidtam(capsys, "--org", "ประเทศ", "oversee", "tree")
    assert code == 0 and "12" in out.splitlines()[-1] and "    อบต.ก-1" in out, out
    print(out)

    async def matrix() -> dict[str, tuple[set[str], set[str]]]:
        db = Database(db_url)
        out = {}
        async with db.session(commit=False) as s:
            names = {}
            for name in ["ประเทศ", *PROVINCES, *(p for ps in PROVINCES.values() for p in ps)]:
                office = await find_organisation(s, name)
                names[name] = office
            from storage.repo import list_organisations

            by_id = {o.id: o.name for o in await list_organisations(s)}
            for name, office in names.items():
                out[name] = (
                    {by_id[i] for i in await overseen_ids(s, office.id)},
                    {by_id[i] for i in await offices_beneath(s, office.id)},
                )
        await db.dispose()
        return out

    seen = asyncio.run(matrix())
    every = {f"{kind}{letter}-{i}" for letter in "กขคง" for kind, i in (("อบต.", 1), ("อบต.", 2), ("เทศบาลตำบล", 3))}
    for region, provinces in PROVINCES.items():
        for province in provinces:
            letter = province[-1]
            assert seen[province] == ({o for o in every if f"{letter}-" in o}, set()), province
        assert seen[region] == ({o for o in every if any(f"{p[-1]}-" in o for p in provinces)}, set(provinces))
    assert seen["ประเทศ"] == (every, set(PROVINCES) | {p for ps in PROVINCES.values() for p in ps})

    # in chat: an overseer at each level reads the roll-up of exactly what lies beneath
    async def rollups() -> dict[str, str]:
        db = Database(db_url)
        chat = Chat(db, Settings(data_dir=cli_env / "data"))
        texts = {}
        async with db.session(commit=False) as s:
            ids = {n: (await find_organisation(s, n)).id for n in ("ประเทศ", "ภาค-1", "สถ.จ.ก")}
        for n, org_id in ids.items():
            await join(chat, n, await invite_code(db, org_id, Role.OVERSEER), f"ผู้กำกับ {n}")
            texts[n] = (await chat.type(n, "/summary")).text
        await db.dispose()
        return texts

    texts = asyncio.run(rollups())
    for level, expected in (
        ("สถ.จ.ก", seen["สถ.จ.ก"][0]),
        ("ภาค-1", seen["ภาค-1"][0]),
        ("ประเทศ", every),
    ):
        named = set(re.findall(r"(?:อบต\.|เทศบาลตำบล)[กขคง]-\d", texts[level]))
        assert named == expected, (level, texts[level][:800])
