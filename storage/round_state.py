"""Opening and closing a round — the one place that does it, for the admin's /round and the scheduler alike.

The two rounds of a fiscal year are one year's story: the 12-month report is cumulative and
builds on the 6-month one (e-PlanNACC locks an item reported completed for the rest of the
year). So opening the 12-month round carries forward every completed 6-month answer, and the
6-month round cannot be reopened once the 12-month round has been opened — unless an early opening is
taken back (``undo_early_opening``) while nobody has answered in the 12-month round.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from locales.errors import UserError
from locales.i18n import _
from storage.answers import Answers
from storage.models import AuditLog, Round, RoundState, StatusReport, id_of
from storage.repo import audit
from storage.signoff import lock_message, lock_of


async def set_round_state(
    session: AsyncSession,
    org_id: int,
    rnd: Round,
    state: RoundState,
    *,
    actor: str,
    today: dt.date,
    person_id: int | None = None,
    close_others: bool = False,
) -> int:
    """Open or close ``rnd``; returns how many answers were carried forward (opening a 12-month round)."""
    await session.refresh(rnd, with_for_update=True)  # two admins pressing at once: the second sees it done
    if rnd.state == state:
        return 0
    if state == RoundState.OPEN:
        await _may_open(session, org_id, rnd, actor, close_others)
    old = {"state": rnd.state.value}
    new = {"state": state.value}
    if state == RoundState.OPEN and today < rnd.opens_on:
        # opened early: the ladder's opening message goes out now, not on the planned date
        old["opens_on"], new["opens_on"] = rnd.opens_on.isoformat(), today.isoformat()
        rnd.opens_on = today
    rnd.state = state
    session.add(rnd)
    await audit(session, org_id, actor, "update", "round", rnd.id, old=old, new=new, person_id=person_id)
    await session.flush()
    if state == RoundState.OPEN:
        return await Answers(session, org_id).carry_forward(rnd, actor)
    return 0


async def _may_open(session: AsyncSession, org_id: int, rnd: Round, actor: str, close_others: bool) -> None:
    for other in await check_may_open(session, org_id, rnd, close_others=close_others):
        other.state = RoundState.CLOSED
        session.add(other)
        await audit(session, org_id, actor, "update", "round", other.id, old={"state": "open"}, new={"state": "closed"})


async def check_may_open(session: AsyncSession, org_id: int, rnd: Round, *, close_others: bool = False) -> list[Round]:
    """Refuse (UserError) what may not be opened; the other open rounds that opening ``rnd`` would close."""
    year = (
        await session.exec(select(Round).where(Round.org_id == org_id, Round.fiscal_year_id == rnd.fiscal_year_id))
    ).all()
    if rnd.months == 6 and any(r.months == 12 and r.state != RoundState.PLANNED for r in year):
        raise UserError(
            _(
                "The 12-month round has been opened, and it builds on the 6-month round, so the 6-month "
                "round cannot be opened again. Change answers in the 12-month round instead."
            )
        )
    others = (
        await session.exec(
            select(Round).where(Round.org_id == org_id, Round.state == RoundState.OPEN, col(Round.id) != rnd.id)
        )
    ).all()
    if (locked := await lock_of(session, org_id, id_of(rnd))) is not None:
        raise UserError(lock_message(locked, rnd.months))
    if others and not close_others:
        raise UserError(_("Another round is open; close it first: /round close in the chat, or tidtam round close."))
    return list(others)


async def undo_early_opening(session: AsyncSession, org_id: int, rnd: Round, *, actor: str, today: dt.date) -> int:
    """Take back a 12-month round opened before its date, while nobody has answered in it: the answers carried
    into it are removed, it is planned again on its own date, and the 6-month round can be reopened. Returns
    how many carried answers were removed; refuses (UserError) when that would lose anyone's answer."""

    await session.refresh(rnd, with_for_update=True)
    carried, planned = await check_undo(session, org_id, rnd, today)
    q = select(StatusReport.id).where(StatusReport.round_id == rnd.id).order_by(col(StatusReport.id))
    removed = [i for i in (await session.exec(q)).all() if i is not None]
    await session.exec(delete(StatusReport).where(col(StatusReport.round_id) == rnd.id))
    old: dict[str, Any] = {"state": rnd.state.value, "opens_on": rnd.opens_on.isoformat(), "carried": carried}
    old["removed_answers"] = removed  # the chain's verification knows these went by the application's hand
    rnd.state, rnd.opens_on = RoundState.PLANNED, planned
    session.add(rnd)
    new = {"state": rnd.state.value, "opens_on": planned.isoformat()}
    await audit(session, org_id, actor, "undo_opening", "round", rnd.id, old=old, new=new)
    await session.flush()
    return carried


async def check_undo(session: AsyncSession, org_id: int, rnd: Round, today: dt.date) -> tuple[int, dt.date]:
    """Refuse (UserError) taking back ``rnd``'s opening when that is not allowed; else how many carried answers
    it holds, and the date it was planned to open on (kept by the audit line of the early opening)."""

    if rnd.months != 12 or rnd.state == RoundState.PLANNED:
        raise UserError(_("Only a 12-month round that has been opened can be taken back."))
    reports = (await session.exec(select(StatusReport).where(StatusReport.round_id == rnd.id))).all()
    if any(r.carried_from_id is None for r in reports):
        raise UserError(
            _(
                "Units have answered in the 12-month round, so its opening can no longer be taken back; change "
                "answers in the 12-month round instead."
            )
        )
    lines = await session.exec(
        select(AuditLog)
        .where(AuditLog.org_id == org_id, AuditLog.entity == "round", AuditLog.entity_id == rnd.id)
        .order_by(col(AuditLog.id).desc())
    )
    early = (a for a in lines if a.new and a.new.get("state") == "open" and a.old and "opens_on" in a.old)
    planned = next((a.old["opens_on"] for a in early), None)  # the latest opening, if it moved the date
    if planned is None or dt.date.fromisoformat(planned) <= today:
        raise UserError(_("The 12-month round opened on its own date; there is no early opening to take back."))
    return len(reports), dt.date.fromisoformat(planned)
