"""A test driver for the neutral core: people type, press buttons and send files; no platform involved."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field

from sqlmodel import select

from base.events import Incoming, IncomingFile, Response
from base.settings import Settings
from handlers.core import handle
from storage.db import Database
from storage.models import OrgKind, Role, Round, RoundState
from storage.people import People
from storage.plan_file import parse_plan, read_table
from storage.plan_import import import_plan
from storage.repo import Rounds, create_organisation

_ids = itertools.count(1)


@dataclass
class Said:
    """Everything the bot answered to one action, flattened for assertions."""

    response: Response
    texts: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.texts = [m.text for m in self.response.messages]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def buttons(self):
        return [b for m in self.response.messages for row in m.buttons for b in row]

    def button(self, label_part: str) -> str:
        for b in reversed(self.buttons):
            if label_part in b.label:
                return b.data
        raise AssertionError(f"no button with {label_part!r} in {[b.label for b in self.buttons]}")


class Chat:
    def __init__(self, db: Database, settings: Settings, platform: str = "telegram"):
        self.db, self.settings, self.platform = db, settings, platform

    async def _send(self, user: str, **kw) -> Said:
        event = Incoming(
            platform=self.platform,
            user_id=user,
            chat_id=kw.pop("chat_id", user),
            event_id=f"{next(_ids)}-{uuid.uuid4().hex[:12]}",
            bot_username="TidtamTestBot",
            **kw,
        )
        return Said(await handle(self.db, event, self.settings))

    async def type(self, user: str, text: str, **kw) -> Said:
        return await self._send(user, text=text, **kw)

    async def press(self, user: str, data: str, **kw) -> Said:
        return await self._send(user, data=data, **kw)

    async def send_file(
        self,
        user: str,
        name: str,
        content: bytes,
        *,
        kind="document",
        size: int | None | str = "len",
        mime="application/octet-stream",
    ) -> Said:
        """``size=None``: the platform did not say (LINE images, for one)."""

        async def fetch() -> bytes:
            return content

        return await self._send(
            user, file=IncomingFile(kind, name, len(content) if size == "len" else size, mime, fetch)
        )


async def setup_org(db: Database, plan_path, name="เทศบาลตำบลทดสอบ", open_round: int | None = 6) -> int:
    async with db.session() as s:
        org = await create_organisation(
            s, name=name, kind=OrgKind.SUBDISTRICT_MUNICIPALITY, province="ขอนแก่น", district="เมือง", fiscal_year=2569
        )
        fy = await Rounds(s, org.id).fiscal_year(2569)
        await import_plan(s, org.id, fy, parse_plan(read_table(plan_path)))
        if open_round:
            rnd = (await s.exec(select(Round).where(Round.fiscal_year_id == fy.id, Round.months == open_round))).one()
            rnd.state = RoundState.OPEN
            s.add(rnd)
        return org.id


async def invite_code(
    db: Database, org_id: int, role: Role, unit: str | None = None, uses: int = 1, days: int = 7
) -> str:
    async with db.session() as s:
        inv, _unit = await People(s, org_id).create_invite(
            unit_name=unit, role=role, uses=uses, days=days, actor="test"
        )
        return inv.code


async def join(chat: Chat, user: str, code: str, name: str) -> Said:
    await chat.type(user, f"/start {code}")
    return await chat.type(user, name)


async def org_with_admin_invite(db_url: str) -> str:
    """A fresh database with the example organisation (6-month round open); an admin invite code for it."""
    from support.paths import EXAMPLE_PLAN

    db = Database(db_url)
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    code = await invite_code(db, org, Role.ADMIN)
    await db.dispose()
    return code


async def round_change(chat: Chat, user: str, command: str) -> Said:
    """``/round close`` or ``/round open N`` as an admin does it: the command, its question, the yes."""
    said = await chat.type(user, command)
    yes = next((b for b in said.buttons if b.data.startswith("rnc:") and not b.label.startswith("ยกเลิก")), None)
    return said if yes is None else await chat.press(user, yes.data)
