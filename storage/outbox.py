"""The send ledger's writes: a message as a stored payload and back, and claiming sends under unique keys.

Handlers queue messages for other chats here and the scheduler queues reminders here; the dispatcher that
sends them is scheduler.outbox.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.events import Attachment, Button, Message
from base.values import utcnow
from storage.models import Outbox, OutboxState


def to_payload(message: Message, data_dir: Path) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "text": message.text,
        "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in message.buttons],
    }
    if message.attachment is not None:
        a = message.attachment
        path = a.path.resolve()
        rel = path.relative_to(data_dir.resolve()).as_posix() if path.is_relative_to(data_dir.resolve()) else str(path)
        payload["attachment"] = {"kind": a.kind, "path": rel, "filename": a.filename, "caption": a.caption}
    return payload


def from_payload(payload: dict[str, Any], data_dir: Path) -> Message:
    attachment = None
    if a := payload.get("attachment"):
        attachment = Attachment(a["kind"], data_dir / a["path"], a["filename"], a.get("caption", ""))
    return Message(payload.get("text", ""), [[Button(b["label"], b["data"]) for b in row]
                                             for row in payload.get("buttons", [])], attachment)


async def enqueue(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Claim sends in the ledger; rows whose key exists already are left alone. Returns rows inserted."""
    if not rows:
        return 0
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    values = [{"state": OutboxState.PENDING, "attempts": 0, "not_before": now, "owner": "", "last_error": "",
               "created_at": now, "is_group": False, **r} for r in rows]
    result = await session.exec(insert(Outbox.__table__).values(values).on_conflict_do_nothing(  # type: ignore[attr-defined]  # SQLModel does not declare __table__
        index_elements=["key"]))
    return max(result.rowcount or 0, 0)


async def known_keys(session: AsyncSession, org_id: int, prefix: str) -> set[str]:
    q = select(Outbox.key).where(Outbox.org_id == org_id, col(Outbox.key).startswith(prefix))
    return set((await session.exec(q)).all())
