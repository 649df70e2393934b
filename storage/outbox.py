"""The send ledger: a message as a stored payload and back, claiming sends under unique keys, and the
dispatcher's claims and outcomes.

Handlers queue messages for other chats here and the scheduler queues reminders here; the dispatcher that
sends them is scheduler.outbox, which takes rows and records what became of them through the functions below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.events import Attachment, Button, Mention, Message
from base.values import utcnow
from storage.db import Database, insert_rows_ignoring_duplicates
from storage.models import LineChannel, Outbox, OutboxState


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
        return cls(org_id, cls.unit_scope(round_id, unit_id), rung, platform, chat_id)

    @staticmethod
    def unit_scope(round_id: int, unit_id: int) -> str:
        return f"r{round_id}:u{unit_id}"

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
    if message.mentions:
        payload["mentions"] = [[m.user_id, m.name] for m in message.mentions]
    return payload


def from_payload(payload: dict[str, Any], data_dir: Path) -> Message:
    attachment = None
    if a := payload.get("attachment"):
        attachment = Attachment(a["kind"], data_dir / a["path"], a["filename"], a.get("caption", ""))
    return Message(
        payload.get("text", ""),
        [[Button.from_dict(b) for b in row] for row in payload.get("buttons", [])],
        attachment,
        mentions=[Mention(str(u), str(n)) for u, n in payload.get("mentions", [])],
    )


async def enqueue(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Claim sends in the ledger; rows whose key exists already are left alone. Returns rows inserted."""
    if not rows:
        return 0
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
    return await insert_rows_ignoring_duplicates(session, Outbox, values, ["key"])


async def known_keys(session: AsyncSession, org_id: int) -> set[str]:
    """Every key the organisation's sends were claimed under (one query: rounds, digests, notices)."""
    q = select(Outbox.key).where(Outbox.org_id == org_id, col(Outbox.key).startswith(OutboxKey.of_org(org_id)))
    return set((await session.exec(q)).all())


async def claimed(session: AsyncSession, prefix: str) -> bool:
    """Whether any send was claimed under a key starting with ``prefix`` — a range on the key's unique index (a
    LIKE would scan the table on SQLite)."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    q = select(Outbox.id).where(col(Outbox.key) >= prefix, col(Outbox.key) < upper).limit(1)
    return (await session.exec(q)).first() is not None


async def ledgers_of(
    session: AsyncSession, org_ids: Sequence[int], since: dt.datetime
) -> dict[int, tuple[set[str], set[tuple[str, str, str]]]]:
    """Organisation → every key its sends were claimed under, and (as ``reminded_since``) the reminders queued or
    sent since ``since``: the tick's read of the ledger, for many organisations in one statement."""
    q = select(Outbox.org_id, Outbox.key, Outbox.kind, Outbox.state, Outbox.created_at).where(
        col(Outbox.org_id).in_(list(org_ids))
    )
    out: dict[int, tuple[set[str], set[tuple[str, str, str]]]] = {o: (set(), set()) for o in org_ids}
    live = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.SENT)
    for org_id, key, kind, state, created_at in (await session.exec(q)).all():
        if not key.startswith(OutboxKey.of_org(org_id)):
            continue
        keys, recent = out[org_id]
        keys.add(key)
        if kind == "reminder" and state in live and created_at >= since:
            k = OutboxKey.parse(key)
            recent.add((k.scope, k.platform, k.chat_id))
    return out


async def reminded_since(session: AsyncSession, org_id: int, since: dt.datetime) -> set[tuple[str, str, str]]:
    """(scope, platform, chat) of every reminder queued or sent to the organisation's chats since ``since`` (the
    repeat interval: a unit's reminder is not pushed to the same chat twice within it)."""
    q = select(Outbox.key).where(
        Outbox.org_id == org_id,
        Outbox.kind == "reminder",
        col(Outbox.state).in_([OutboxState.PENDING, OutboxState.SENDING, OutboxState.SENT]),
        Outbox.created_at >= since,
    )
    out = set()
    for key in (await session.exec(q)).all():
        k = OutboxKey.parse(key)
        out.add((k.scope, k.platform, k.chat_id))
    return out


async def depth(session: AsyncSession) -> int:
    """Rows waiting or being sent (the metrics' outbox depth)."""
    q = (
        select(func.count())
        .select_from(Outbox)
        .where(col(Outbox.state).in_([OutboxState.PENDING, OutboxState.SENDING]))
    )
    return (await session.exec(q)).one()


async def release_abandoned(db: Database) -> int:
    """Rows left 'sending' by a dispatcher that died go back to pending."""
    async with db.session() as s:
        result = await s.exec(
            update(Outbox)
            .where(Outbox.state == OutboxState.SENDING)
            .values(state=OutboxState.PENDING, lease_until=None, owner="")
        )
        return result.rowcount or 0


async def claim(
    db: Database, platforms: list[str], limit: int, owner: str, now: dt.datetime, lease: dt.timedelta
) -> list[Outbox]:
    """Take up to ``limit`` due rows: a conditional UPDATE, so two dispatchers never take the same one."""
    for _attempt in range(20):
        async with db.session() as s:
            q = (
                select(Outbox.id)
                .where(
                    Outbox.state == OutboxState.PENDING, Outbox.not_before <= now, col(Outbox.platform).in_(platforms)
                )
                .order_by(Outbox.not_before, Outbox.id)
                .limit(limit)
            )
            ids = list((await s.exec(q)).all())
            if not ids:
                return []
            claimed = await s.exec(
                update(Outbox)
                .where(col(Outbox.id).in_(ids), Outbox.state == OutboxState.PENDING)
                .values(state=OutboxState.SENDING, owner=owner, lease_until=now + lease)
            )
            if claimed.rowcount:
                # these ids were pending a moment ago, so the ones now ours were claimed just now
                mine = (
                    select(Outbox)
                    .where(col(Outbox.id).in_(ids), Outbox.state == OutboxState.SENDING, Outbox.owner == owner)
                    .order_by(Outbox.not_before, Outbox.id)
                )
                return list((await s.exec(mine)).all())
        # another dispatcher took them first: look again, outside that transaction
    return []


async def claim_for_chat(
    db: Database, platform: str, chat_id: str, limit: int, owner: str, now: dt.datetime, org_id: int | None
) -> list[Outbox]:
    """Take what is waiting for one private chat (to ride on a reply to it): due or not, of the organisation the
    channel belongs to (``org_id`` None: the organisations on the deployment's channel, not one with its own)."""
    async with db.session() as s:
        q = select(Outbox.id).where(
            Outbox.state == OutboxState.PENDING,
            Outbox.platform == platform,
            Outbox.chat_id == chat_id,
            col(Outbox.is_group).is_(False),
        )
        if org_id is not None:
            q = q.where(Outbox.org_id == org_id)
        else:
            q = q.where(col(Outbox.org_id).not_in(select(LineChannel.org_id)))
        ids = list((await s.exec(q.order_by(col(Outbox.id)).limit(limit))).all())
        if not ids:
            return []
        await s.exec(
            update(Outbox)
            .where(col(Outbox.id).in_(ids), Outbox.state == OutboxState.PENDING)
            .values(state=OutboxState.SENDING, owner=owner, lease_until=now + dt.timedelta(minutes=2))
        )
        mine = select(Outbox).where(col(Outbox.id).in_(ids), Outbox.owner == owner, Outbox.state == OutboxState.SENDING)
        return list((await s.exec(mine.order_by(col(Outbox.id)))).all())


async def record(
    db: Database, outcomes: list[tuple[int, dict[str, Any]]], sent_at: dt.datetime, *, how: str = ""
) -> None:
    """What became of claimed rows, in one transaction: the sent ones in one statement, each other one as told
    (``how``: said of the sent ones, e.g. "by reply")."""
    sent = [row_id for row_id, values in outcomes if values["state"] == OutboxState.SENT]
    async with db.session() as s:
        if sent:
            await s.exec(
                update(Outbox)
                .where(col(Outbox.id).in_(sent))
                .values(
                    state=OutboxState.SENT,
                    attempts=Outbox.attempts + 1,
                    sent_at=sent_at,
                    lease_until=None,
                    **({"last_error": how} if how else {}),
                )
            )
        for row_id, values in outcomes:
            if values["state"] != OutboxState.SENT:
                await s.exec(update(Outbox).where(Outbox.id == row_id).values(lease_until=None, **values))


async def finish(db: Database, row_id: int, **values: Any) -> None:
    """What became of one claimed row (sent, failed, or back to pending until ``not_before``)."""
    async with db.session() as s:
        await s.exec(update(Outbox).where(Outbox.id == row_id).values(lease_until=None, **values))
