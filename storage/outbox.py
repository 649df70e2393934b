"""The send ledger's writes: a message as a stored payload and back, and claiming sends under unique keys.

Handlers queue messages for other chats here and the scheduler queues reminders here; the dispatcher that
sends them is scheduler.outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.events import Attachment, Button, Message
from base.values import utcnow
from storage.db import insert_ignoring_duplicates
from storage.models import Outbox, OutboxState


@dataclass(frozen=True)
class OutboxKey:
    """A send's unique name in the ledger: two plans that name the same send queue it once, so it goes once.

    Written ``o{org}:{scope}:{subject}:{platform}:{chat}``; built and read only through this type. ``scope`` says
    what the send belongs to (``r7:u3``: unit 3 in round 7; ``digest``; ``line-quota:2026-12``; ``e``: an event's
    messages to other chats), ``subject`` which one (the reminder rung or ``thanks``; the ISO week; the quota
    level; the event and the message's place in it).
    """

    org_id: int
    scope: str
    subject: str
    platform: str
    chat_id: str

    def __str__(self) -> str:
        return f"o{self.org_id}:{self.scope}:{self.subject}:{self.platform}:{self.chat_id}"

    @classmethod
    def parse(cls, key: str) -> OutboxKey:
        head, platform, chat_id = key.rsplit(":", 2)
        org, *scope, subject = head.split(":")
        if not org.startswith("o") or not scope:
            raise ValueError(f"not an outbox key: {key!r}")
        return cls(int(org[1:]), ":".join(scope), subject, platform, chat_id)

    @classmethod
    def unit_in_round(
        cls, org_id: int, round_id: int, unit_id: int, rung: str, platform: str, chat_id: str
    ) -> OutboxKey:
        return cls(org_id, f"r{round_id}:u{unit_id}", rung, platform, chat_id)

    @staticmethod
    def of_org(org_id: int) -> str:
        """The prefix every key of one organisation starts with."""
        return f"o{org_id}:"


def to_payload(message: Message, data_dir: Path) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "text": message.text,
        "buttons": [[b.as_dict() for b in row] for row in message.buttons],
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
    return Message(
        payload.get("text", ""),
        [[Button.from_dict(b) for b in row] for row in payload.get("buttons", [])],
        attachment,
    )


async def enqueue(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Claim sends in the ledger; rows whose key exists already are left alone. Returns rows inserted."""
    if not rows:
        return 0
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    now = utcnow()
    values = [
        {
            "state": OutboxState.PENDING,
            "attempts": 0,
            "not_before": now,
            "owner": "",
            "last_error": "",
            "created_at": now,
            "is_group": False,
            **r,
        }
        for r in rows
    ]
    result = await session.exec(insert_ignoring_duplicates(dialect, Outbox, values, ["key"]))
    return max(result.rowcount or 0, 0)


async def known_keys(session: AsyncSession, org_id: int) -> set[str]:
    """Every key the organisation's sends were claimed under (one query: rounds, digests, notices)."""
    q = select(Outbox.key).where(Outbox.org_id == org_id, col(Outbox.key).startswith(OutboxKey.of_org(org_id)))
    return set((await session.exec(q)).all())
