"""A process that answers items again and again through the neutral core (the kill-during-commit test runs
it and SIGKILLs it at random points)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from base.settings import Settings  # noqa: E402
from storage.db import Database  # noqa: E402
from support.chat import Chat  # noqa: E402


async def main(db_url: str, data_dir: str) -> None:
    chat = Chat(Database(db_url), Settings(data_dir=Path(data_dir)))
    while True:
        said = await chat.type("klang", "/status")
        for button in said.buttons[:5]:
            if not button.data.startswith("pk:"):
                continue
            said = await chat.press("klang", button.data)
            said = await chat.press("klang", said.button("ยังไม่ดำเนินการ"))
            said = await chat.press("klang", said.button("ต่อไป"))
            await chat.press("klang", said.button("ยืนยัน"))
            print("answered", flush=True)  # the test kills only a process that is answering


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
