"""Who is writing: a chat account's person, organisation, conversation and every role, read in one statement
for every event (the chat's and, through the same account, the form's); and the mark that an event was handled,
so that a redelivered one is recognised."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import utcnow
from storage.db import insert_ignoring_duplicates
from storage.models import (
    Acting,
    ChannelAccount,
    Conversation,
    FormDraft,
    Membership,
    Organisation,
    Person,
    ProcessedEvent,
)

# built once: building a statement costs more than SQLite running it (~0.3 ms for the context query)
_MARK_PROCESSED = {
    dialect: insert_ignoring_duplicates(
        dialect,
        ProcessedEvent,
        {"platform": bindparam("platform"), "event_id": bindparam("event_id"), "at": bindparam("at")},
        ["platform", "event_id"],
    )
    for dialect in ("postgresql", "sqlite")
}
_WHO = (
    select(
        ChannelAccount,
        Person,
        Organisation,
        Conversation,
        exists().where(col(FormDraft.person_id) == Person.id).label("drafts"),  # most have none: no read
        exists()  # acts for an office today (most never do: their roles need no second read)
        .where(
            col(Acting.person_id) == Person.id,
            col(Acting.starts_on) <= bindparam("today"),
            col(Acting.ends_on) >= bindparam("today"),
        )
        .label("acts"),
        Membership.role,
        Membership.unit_id,
    )
    .join(Person, col(Person.id) == ChannelAccount.person_id)
    .join(Organisation, col(Organisation.id) == Person.org_id)
    .outerjoin(Conversation, col(Conversation.account_id) == ChannelAccount.id)
    .outerjoin(Membership, (col(Membership.person_id) == Person.id) & (col(Membership.org_id) == Person.org_id))
    .where(ChannelAccount.platform == bindparam("platform"), ChannelAccount.external_id == bindparam("user_id"))
)


async def first_time(session: AsyncSession, platform: str, event_id: str | None) -> bool:
    """Mark the event processed; False when it was already (one statement, no savepoint)."""
    result = await session.exec(
        _MARK_PROCESSED[session.bind.dialect.name],
        params={"platform": platform, "event_id": event_id, "at": utcnow()},
    )
    return result.rowcount == 1


async def who_is(session: AsyncSession, platform: str, user_id: str, today: dt.date) -> list[Any]:
    """(account, person, organisation, conversation, has drafts, acts for an office today, role, unit) rows —
    one a role; none for a stranger."""
    params = {"platform": platform, "user_id": user_id, "today": today}
    return list((await session.exec(_WHO, params=params)).all())
