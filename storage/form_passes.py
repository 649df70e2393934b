"""Keys to the answer form. The bot gives a one-time link (30 minutes); opening it spends the link and gives the
page a session token it sends with each request (a header, never a cookie: nothing another site can make a
browser send). Telegram's Mini App and LINE's LIFF open a session from the platform's own proof of identity."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import utcnow
from storage.models import FormPass

LINK_MINUTES = 30
SESSION_HOURS = 8  # a working day: the page is left open between other work


@dataclass(frozen=True)
class Holder:
    org_id: int
    person_id: int


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(session: AsyncSession, org_id: int, person_id: int, kind: str) -> str:
    """A new pass; the token is returned once and only its hash is kept."""
    token = secrets.token_urlsafe(32)
    life = dt.timedelta(minutes=LINK_MINUTES) if kind == "link" else dt.timedelta(hours=SESSION_HOURS)
    session.add(
        FormPass(org_id=org_id, person_id=person_id, kind=kind, token_hash=_hash(token), expires_at=utcnow() + life)
    )
    await session.flush()
    return token


async def spend_link(session: AsyncSession, token: str) -> Holder | None:
    """The link's person, once: of any number of concurrent opens exactly one gets through."""
    if not token or len(token) > 100:
        return None
    now = utcnow()
    taken = await session.exec(
        update(FormPass)
        .where(
            col(FormPass.token_hash) == _hash(token),
            col(FormPass.kind) == "link",
            col(FormPass.used_at).is_(None),
            col(FormPass.expires_at) > now,
        )
        .values(used_at=now)
        .returning(FormPass.org_id, FormPass.person_id)
    )
    row = taken.first()
    return Holder(row[0], row[1]) if row else None


async def link_was_used(session: AsyncSession, token: str) -> bool:
    """Whether a link that no longer opens was spent (not forged, not merely expired): the page says which."""
    if not token or len(token) > 100:
        return False
    q = select(FormPass.id).where(
        FormPass.token_hash == _hash(token), FormPass.kind == "link", col(FormPass.used_at).is_not(None)
    )
    return (await session.exec(q)).first() is not None


async def holder_of(session: AsyncSession, token: str) -> Holder | None:
    """The session's person, while it lasts."""
    if not token or len(token) > 100:
        return None
    row = (
        await session.exec(
            select(FormPass.org_id, FormPass.person_id).where(
                FormPass.token_hash == _hash(token), FormPass.kind == "session", FormPass.expires_at > utcnow()
            )
        )
    ).first()
    return Holder(row[0], row[1]) if row else None
