"""The tamper-evident history: every answer carries the SHA-256 of its own content, and every audit line a SHA-256
chained to the previous line of its organisation (canonical JSON); a line that records an answer seals that
answer's hash. ``verify`` recomputes both and names the first row altered, deleted or inserted outside the
application.

Someone who can write to the database can recompute a whole chain; an approval stores the chain's head and its
documents print it, so a rewritten history no longer holds the head a printed approval names (``line_with_head``).
Erasure of a person rewrites the lines that named them, and reseals the chain from the first of them
(storage/people.py).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditLog, StatusReport

GENESIS = "0" * 64
SEALS_ANSWER = ("answer", "carry")  # the audit actions whose line seals the answer it names
# what an answer's hash covers (not its id: what it says, not where it is stored) — fixed, so that a column
# added later changes no stored hash; a new field joins only with a new version of this list
ANSWER_FIELDS = (
    "org_id", "round_id", "item_id", "unit_id", "status", "done_text", "qty_achieved", "disbursed", "no_budget_used",
    "months", "date_from", "date_to", "evidence", "problems", "reason", "reason_category", "person_id", "channel",
    "carried_from_id", "created_at",
)  # fmt: skip
LINE_FIELDS = ("org_id", "person_id", "actor", "action", "entity", "entity_id", "old", "new", "at")
BATCH = 5000


def _plain(value: Any) -> Any:
    """What canonical JSON holds for a value JSON has no form for, the same whether it was just made or read back
    from either database (str-valued enums and the rest are JSON's own)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"no canonical form for {type(value).__name__}")


def _digest(*parts: bytes) -> str:
    return hashlib.sha256(b"\n".join(parts)).hexdigest()


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, default=_plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def answer_hash(report: Any) -> str:
    """An answer's hash (a StatusReport, or a row read by the migration that sealed the first ones)."""
    return _digest(canonical({name: getattr(report, name) for name in ANSWER_FIELDS}))


def line_hash(line: Any) -> str:
    """An audit line's hash, linked to its predecessor's (``chain_prev``)."""
    return _digest(line.chain_prev.encode(), canonical({name: getattr(line, name) for name in LINE_FIELDS}))


async def head(session: AsyncSession, org_id: int) -> str:
    """The hash of the organisation's latest audit line (GENESIS before the first). On PostgreSQL the
    organisation's chain is locked for the rest of the transaction first, so two writers never both link to the
    same line (SQLite's transactions are one at a time already)."""
    await lock_chain(session, org_id)
    q = select(AuditLog.chain_hash).where(AuditLog.org_id == org_id).order_by(col(AuditLog.id).desc()).limit(1)
    return (await session.exec(q)).first() or GENESIS


async def lock_chain(session: AsyncSession, org_id: int) -> None:
    """PostgreSQL: the organisation's chain is this transaction's until it ends (re-entrant; a no-op on SQLite).
    Taken before any other lock a writer holds (an answer's), so two writers never wait for each other."""
    if session.bind.dialect.name == "postgresql":
        await (await session.connection()).execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:chain, 0))"), {"chain": f"chain:{org_id}"}
        )


async def seal(session: AsyncSession, line: AuditLog) -> None:
    """Link a new audit line to its organisation's chain."""
    line.chain_prev = await head(session, line.org_id)
    line.chain_hash = line_hash(line)


def seal_answer(report: StatusReport, new: dict[str, Any]) -> dict[str, Any]:
    """An answer's hash set on it, and added to what its audit line records (so the line seals it)."""
    report.row_hash = answer_hash(report)
    return {**new, "sealed": report.row_hash}


async def reseal(session: AsyncSession, org_id: int, from_id: int) -> int:
    """Recompute the chain from line ``from_id`` on, after the application itself rewrote lines (erasure)."""
    q = select(AuditLog.chain_hash).where(AuditLog.org_id == org_id, col(AuditLog.id) < from_id)
    previous = (await session.exec(q.order_by(col(AuditLog.id).desc()).limit(1))).first() or GENESIS
    n = 0
    async for batch in _lines(session, org_id, from_id - 1):
        for line in batch:
            line.chain_prev = previous
            line.chain_hash = previous = line_hash(line)
            session.add(line)
            n += 1
        await session.flush()
    return n


@dataclass(frozen=True)
class Broken:
    """The first place an organisation's history does not verify."""

    org_id: int
    table: str  # "audit_log" or "status_report"
    row_id: int
    what: str

    def __str__(self) -> str:
        return f"{self.table} #{self.row_id} ({self.what})"


async def _lines(session: AsyncSession, org_id: int, after: int) -> AsyncIterator[list[AuditLog]]:
    """The organisation's lines after ``after``, in the order they were written, a batch at a time (to rewrite)."""
    while True:
        q = select(AuditLog).where(AuditLog.org_id == org_id, col(AuditLog.id) > after)
        batch = list((await session.exec(q.order_by(col(AuditLog.id)).limit(BATCH))).all())
        if not batch:
            return
        yield batch
        after = batch[-1].id or after


async def _rows(session: AsyncSession, table: Any, org_id: int) -> AsyncIterator[list[Any]]:
    """Read-only rows of a table for one organisation, in id order, a batch at a time: plain rows, no ORM objects
    (verification reads every row once and changes none; this is most of its time)."""
    after = 0
    while True:
        q = sa_select(*table.c).where(table.c.org_id == org_id, table.c.id > after).order_by(table.c.id).limit(BATCH)
        batch = list((await session.exec(q)).all())
        if not batch:
            return
        yield batch
        after = batch[-1].id


@dataclass
class _Walk:
    """What the walk along the lines has learnt so far."""

    previous: str = GENESIS
    checked: int = 0
    suspect: Any = None  # a line that does not follow the one before it: inserted, or one deleted?
    sealed: dict[int, str] = field(default_factory=dict)  # answer id → the hash its line sealed
    removed: set[int] = field(default_factory=set)  # answers the application removed (an undone opening)

    def step(self, org_id: int, line: Any) -> Broken | None:
        if self.suspect is not None:
            what = (
                "inserted outside the application"
                if line.chain_prev == self.previous
                else "a line before it was deleted"
            )
            return Broken(org_id, "audit_log", self.suspect.id or 0, what)
        if line.chain_prev != self.previous:
            self.suspect = line
            return None
        if line.chain_hash != line_hash(line):
            return Broken(org_id, "audit_log", line.id, "altered")
        new = line.new or {}
        if line.entity == "status_report" and line.action in SEALS_ANSWER and "sealed" in new and line.entity_id:
            self.sealed[line.entity_id] = new["sealed"]
        if line.entity == "signoff" and line.action == "decide" and new.get("chain_head") != line.chain_prev:
            return Broken(org_id, "audit_log", line.id, "altered")  # an approval names the head it was given on
        if line.action == "undo_opening":
            self.removed.update((line.old or {}).get("removed_answers", []))
        self.previous, self.checked = line.chain_hash, self.checked + 1
        return None


async def verify_org(session: AsyncSession, org_id: int) -> tuple[int, Broken | None]:
    """Recompute one organisation's history: how many rows were checked, and the first break (None: intact)."""
    walk = _Walk()
    async for batch in _rows(session, AuditLog.__table__, org_id):  # type: ignore[attr-defined]
        for line in batch:
            if broken := walk.step(org_id, line):
                return walk.checked, broken
    if walk.suspect is not None:
        return walk.checked, Broken(org_id, "audit_log", walk.suspect.id or 0, "does not follow the line before it")
    broken = await _verify_answers(session, org_id, walk)
    return walk.checked, broken


async def line_with_head(session: AsyncSession, org_id: int, chain_hash: str) -> int | None:
    """The audit line whose hash is ``chain_hash`` (0 for the empty history): a head printed in an approved document
    that no line has any more shows the history was rewritten after that approval."""
    if chain_hash == GENESIS:
        return 0
    q = select(AuditLog.id).where(AuditLog.org_id == org_id, AuditLog.chain_hash == chain_hash)
    return (await session.exec(q.limit(1))).first()


async def _verify_answers(session: AsyncSession, org_id: int, walk: _Walk) -> Broken | None:
    """Every answer stored was sealed by a line, and says what it said then; every answer sealed is stored."""
    sealed = dict(walk.sealed)
    async for batch in _rows(session, StatusReport.__table__, org_id):  # type: ignore[attr-defined]
        for report in batch:
            if report.id not in sealed:
                return Broken(org_id, "status_report", report.id, "inserted outside the application")
            if answer_hash(report) != sealed.pop(report.id):
                return Broken(org_id, "status_report", report.id, "altered")
            walk.checked += 1
    missing = sorted(set(sealed) - walk.removed)
    return Broken(org_id, "status_report", missing[0], "deleted") if missing else None
