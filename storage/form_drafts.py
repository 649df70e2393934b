"""The one draft of a person's answer to an item: what the form saved as it was typed, and what the chat holds
in the middle of an answer (its conversation row). The form shows the newer of the two; the chat carries the
form's files; whichever saves the answer clears the person's draft of that item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import utcnow
from storage.db import insert_ignoring_duplicates
from storage.models import ChannelAccount, Conversation, FormDraft, StatusReport

Key = tuple[int, int]  # (item, unit)


_DRAFT = select(FormDraft).where(
    FormDraft.person_id == bindparam("person"),
    FormDraft.round_id == bindparam("round"),
    FormDraft.item_id == bindparam("item"),
    FormDraft.unit_id == bindparam("unit"),
)  # built once: every pick of an item reads it


async def form_draft(
    session: AsyncSession, person_id: int, round_id: int, item_id: int, unit_id: int
) -> FormDraft | None:
    params = {"person": person_id, "round": round_id, "item": item_id, "unit": unit_id}
    return (await session.exec(_DRAFT, params=params)).first()


async def locked_draft(
    session: AsyncSession, org_id: int, person_id: int, round_id: int, item_id: int, unit_id: int
) -> FormDraft:
    """The person's draft of an item, made if missing and locked for this transaction: ten first saves at once
    make one row (no unique-constraint failure), and uploads at once append one after another (none lost)."""
    values = {
        "org_id": org_id,
        "person_id": person_id,
        "round_id": round_id,
        "item_id": item_id,
        "unit_id": unit_id,
        "fields": {},
        "updated_at": utcnow(),
    }
    keys = ["person_id", "round_id", "item_id", "unit_id"]
    await session.exec(insert_ignoring_duplicates(session.bind.dialect.name, FormDraft, values, keys))
    params = {"person": person_id, "round": round_id, "item": item_id, "unit": unit_id}
    draft = (await session.exec(_DRAFT.with_for_update(), params=params)).one()
    await session.refresh(draft)  # a row this session held before the lock is read again, as committed
    return draft


def superseded(draft: FormDraft, answer: StatusReport | None, person_id: int) -> bool:
    """The person saved an answer after this draft (in the chat): the draft is done, though still stored —
    so a chat answer costs no statement to clear it. Another person's answer leaves it: it is this person's
    work in progress, and sending it asks before replacing theirs."""
    return answer is not None and answer.person_id == person_id and answer.created_at >= draft.updated_at


async def drafts_of(session: AsyncSession, person_id: int, round_id: int) -> dict[Key, FormDraft]:
    rows = await session.exec(select(FormDraft).where(FormDraft.person_id == person_id, FormDraft.round_id == round_id))
    return {(d.item_id, d.unit_id): d for d in rows.all()}


async def drop_form_drafts(session: AsyncSession, round_id: int, keys: Iterable[Key], person_id: int) -> None:
    for item_id, unit_id in keys:
        await session.exec(
            delete(FormDraft).where(
                col(FormDraft.person_id) == person_id,
                col(FormDraft.round_id) == round_id,
                col(FormDraft.item_id) == item_id,
                col(FormDraft.unit_id) == unit_id,
            )
        )


async def _answering(session: AsyncSession, person_id: int) -> Any:
    """The person's conversations (any platform) in the middle of an answer."""
    return await session.exec(
        select(Conversation)
        .join(ChannelAccount, col(ChannelAccount.id) == Conversation.account_id)
        .where(ChannelAccount.person_id == person_id, col(Conversation.step).startswith("report."))
    )


async def chat_drafts(
    session: AsyncSession, person_id: int, round_id: int
) -> dict[Key, tuple[dict[str, Any], dt.datetime]]:
    """The answers the person is in the middle of in a chat (any platform), as the form's fields."""
    rows = await _answering(session, person_id)
    out: dict[Key, tuple[dict[str, Any], dt.datetime]] = {}
    for c in rows.all():
        d = c.data
        if d.get("round") != round_id or not isinstance(d.get("item"), int) or not isinstance(d.get("unit"), int):
            continue
        fields = {k: str(d[k]) for k in ("status", "done", "qty", "reason_category", "reason") if d.get(k) is not None}
        if d.get("no_money"):
            fields["disbursed"] = "-"
        elif d.get("disbursed") is not None:
            fields["disbursed"] = format(Decimal(str(d["disbursed"])), ",f")
        out[(d["item"], d["unit"])] = ({**fields, "evidence": list(d.get("evidence") or [])}, c.updated_at)
    return out


async def finish_chat_drafts(session: AsyncSession, person_id: int, round_id: int, keys: set[Key]) -> None:
    """The form saved these items: the person's chat drafts of them end (their buttons then say so)."""
    rows = await _answering(session, person_id)
    for c in rows.all():
        if c.data.get("round") == round_id and (c.data.get("item"), c.data.get("unit")) in keys:
            c.step, c.data = "", {}
            session.add(c)
