"""The simulator's own tables: the phones' messages and its clock's offset from real time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import col, select

from base.values import utcnow
from storage.db import Database
from storage.models import SimMessage, SimState


async def stored_offset(db: Database, initial: dt.timedelta) -> dt.timedelta:
    """The simulated clock's offset, stored as ``initial`` the first time it is asked."""
    async with db.session() as s:
        row = await s.get(SimState, "offset")
        if row is None:
            row = SimState(key="offset", value=str(initial.total_seconds()))
            s.add(row)
        return dt.timedelta(seconds=float(row.value))


async def store_offset(db: Database, offset: dt.timedelta) -> None:
    async with db.session() as s:
        row = await s.get(SimState, "offset") or SimState(key="offset")
        row.value = str(offset.total_seconds())
        s.add(row)


async def edit_last(db: Database, chat_id: str, text: str, buttons: list[Any]) -> bool:
    """Replace the last message to the chat if it had buttons (a pressed button edits its message); False: it
    had none, so a new message is due."""
    async with db.session() as s:
        q = (
            select(SimMessage)
            .where(SimMessage.chat_id == chat_id, SimMessage.outgoing)
            .order_by(col(SimMessage.id).desc())
            .limit(1)
        )
        last = (await s.exec(q)).first()
        if last is None or not last.buttons:
            return False
        last.text, last.buttons, last.created_at = text, buttons, utcnow()
        s.add(last)
        return True


async def add_message(db: Database, message: SimMessage) -> None:
    async with db.session() as s:
        s.add(message)


async def messages_after(db: Database, after: int) -> list[SimMessage]:
    """Messages newer than id ``after``, and older ones edited in the last 5 seconds (shown again, changed)."""
    async with db.session(commit=False) as s:
        new = (await s.exec(select(SimMessage).where(col(SimMessage.id) > after).order_by(col(SimMessage.id)))).all()
        recent = utcnow() - dt.timedelta(seconds=5)
        edited = (
            await s.exec(select(SimMessage).where(col(SimMessage.id) <= after, SimMessage.created_at > recent))
        ).all()
    return list(edited) + list(new)
