"""Exactly one active scheduler per database.

On PostgreSQL: a session-level advisory lock, held on a connection of its own for as long
as the process is the active scheduler. When the process dies its connection closes and
PostgreSQL lets the lock go at once; a waiting scheduler takes it on its next try (every
few seconds). Needs a direct connection or a session-mode pooler (not transaction pooling).

On SQLite (one machine): a lease row the holder keeps renewing; a second scheduler takes
over when the lease expires — at once when the holder was a process on this machine that no
longer exists (a SIGKILL leaves no time to let go).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid

from sqlalchemy import or_, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from base.values import utcnow
from storage.db import Database
from storage.models import SchedulerLock

log = logging.getLogger(__name__)
LOCK_NAME = "scheduler"
TTL = dt.timedelta(seconds=45)
ADVISORY_KEY = 0x5469_6474_616D  # "Tidtam"


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class AdvisoryLock:
    """PostgreSQL's pg_try_advisory_lock on a connection this object keeps checked out."""

    def __init__(self, db: Database):
        self.db = db
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        """Take the lock, or confirm it is still held (the connection still answers)."""
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                return True
            except Exception as e:  # the connection is gone, and the lock with it
                log.warning("the scheduler's lock connection was lost (%s)", type(e).__name__)
                await self._drop(lost=True)
                return False
        conn = await self.db.engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY})).scalar()
        except Exception:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def release(self) -> None:
        if self._conn is None:
            return
        try:
            await self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
        finally:
            await self._drop()

    async def _drop(self, lost: bool = False) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if lost:
                await conn.invalidate()  # never back into the pool
        finally:
            await conn.close()


class LeaseLock:
    """The lease row, for SQLite."""

    def __init__(self, db: Database, holder: str, ttl: dt.timedelta = TTL):
        self.db, self.holder, self.ttl = db, holder, ttl

    async def acquire(self) -> bool:
        return await acquire(self.db, self.holder, self.ttl)

    async def release(self) -> None:
        await release(self.db, self.holder)


def for_database(db: Database, holder: str) -> AdvisoryLock | LeaseLock:
    return LeaseLock(db, holder) if db.is_sqlite else AdvisoryLock(db)


def _dead_local_holder(holder: str) -> bool:
    host, _sep, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


async def acquire(db: Database, holder: str, ttl: dt.timedelta = TTL) -> bool:
    """Take or renew the lease; True while this holder is the active scheduler."""
    now = utcnow()
    async with db.session() as s:
        current = await s.get(SchedulerLock, LOCK_NAME)
        if current is None:
            try:
                async with s.begin_nested():
                    s.add(SchedulerLock(name=LOCK_NAME, holder=holder, expires_at=now + ttl))
                return True
            except IntegrityError:
                return False
        conditions = [SchedulerLock.holder == holder, SchedulerLock.expires_at < now]
        if _dead_local_holder(current.holder):
            conditions.append(SchedulerLock.holder == current.holder)
        result = await s.exec(
            update(SchedulerLock)
            .where(SchedulerLock.name == LOCK_NAME, or_(*conditions))
            .values(holder=holder, expires_at=now + ttl)
        )
        return result.rowcount == 1


async def release(db: Database, holder: str) -> None:
    async with db.session() as s:
        await s.exec(
            update(SchedulerLock)
            .where(SchedulerLock.name == LOCK_NAME, SchedulerLock.holder == holder)
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
