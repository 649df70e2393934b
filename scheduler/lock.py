"""Exactly one active scheduler per database: a lease row the holder keeps renewing.

A second scheduler waits and takes over when the lease expires — at once when the holder
was a process on this machine that no longer exists (a SIGKILL leaves no time to let go).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import SchedulerLock
from storage.types import utcnow

LOCK_NAME = "scheduler"
TTL = dt.timedelta(seconds=45)


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


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
        result = await s.exec(update(SchedulerLock).where(SchedulerLock.name == LOCK_NAME, or_(*conditions))
                                 .values(holder=holder, expires_at=now + ttl))
        return result.rowcount == 1


async def release(db: Database, holder: str) -> None:
    async with db.session() as s:
        await s.exec(update(SchedulerLock).where(SchedulerLock.name == LOCK_NAME, SchedulerLock.holder == holder)
                        .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
