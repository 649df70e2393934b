"""Sign-off, stored: an organisation's chain of offices, the rounds sent along it, each office's decision with the
document set's SHA-256 and the chain head, and the lock it puts on a round's answers — scoped to one organisation
(the rule is domain/signoff.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import BANGKOK, utcnow
from domain.signoff import ChainStep, check_chain, next_after, short_code
from domain.vocabulary import Decision, Office, RoundState, SignoffState
from locales.errors import UserError
from locales.i18n import _
from storage.acting import acting_now
from storage.chain import head
from storage.models import (
    AuditLog,
    FiscalYear,
    Person,
    PlanItem,
    Round,
    Signoff,
    SignoffDecision,
    SignoffStep,
    StatusReport,
    id_of,
)
from storage.plan_approval import APPROVER_MAX, record_plan_approval
from storage.repo import audit

LOCKING = (SignoffState.PENDING, SignoffState.APPROVED)  # a round's answers stay as they are while in these


async def chain_of(session: AsyncSession, org_id: int) -> list[tuple[SignoffStep, Person]]:
    """The organisation's chain in order, with each office's person."""
    q = (
        select(SignoffStep, Person)
        .join(Person, col(Person.id) == SignoffStep.person_id)
        .where(SignoffStep.org_id == org_id)
        .order_by(col(SignoffStep.position))
    )
    return [(s, p) for s, p in (await session.exec(q)).all()]


async def set_chain(session: AsyncSession, org_id: int, steps: Sequence[tuple[Office, Person]], actor: str) -> None:
    """Replace the chain (an empty one: no sign-off). A round already sent keeps the chain it was sent with."""
    if steps:
        check_chain([office for office, _person in steps])
    assert all(p.org_id == org_id for _o, p in steps), "people are always found within the organisation"
    old = [[s.office.value, s.person_id] for s, _p in await chain_of(session, org_id)]
    for row in (await session.exec(select(SignoffStep).where(SignoffStep.org_id == org_id))).all():
        await session.delete(row)
    await session.flush()
    for i, (office, person) in enumerate(steps):
        session.add(SignoffStep(org_id=org_id, position=i, office=office, person_id=id_of(person)))
    new = [[office.value, id_of(person)] for office, person in steps]
    await audit(session, org_id, actor, "update", "signoff_chain", None, old={"steps": old}, new={"steps": new})


async def has_chain(session: AsyncSession, org_id: int) -> bool:
    return (await session.exec(select(SignoffStep.id).where(SignoffStep.org_id == org_id).limit(1))).first() is not None


async def latest(session: AsyncSession, org_id: int, round_id: int) -> Signoff | None:
    """The round's most recent sign-off (sent again after a return or a reopening: the newest)."""
    q = (
        select(Signoff)
        .where(Signoff.org_id == org_id, Signoff.round_id == round_id)
        .order_by(col(Signoff.id).desc())
        .limit(1)
    )
    return (await session.exec(q)).first()


async def by_id(session: AsyncSession, org_id: int, signoff_id: int) -> Signoff | None:
    row = await session.get(Signoff, signoff_id)
    return row if row is not None and row.org_id == org_id else None


def steps_of(signoff: Signoff) -> list[ChainStep]:
    return [ChainStep(Office(office), int(person)) for office, person in signoff.steps]


async def closed_on(session: AsyncSession, org_id: int, rnd: Round) -> dt.date:
    """The day (Bangkok) the round was last closed, from its audit line; its submission date when none says."""
    q = (
        select(AuditLog.at, AuditLog.new)
        .where(AuditLog.org_id == org_id, AuditLog.entity == "round", AuditLog.entity_id == rnd.id)
        .order_by(col(AuditLog.id).desc())
    )
    for at, new in (await session.exec(q)).all():
        if new and new.get("state") == RoundState.CLOSED.value:
            return at.astimezone(BANGKOK).date()
    return rnd.submit_by


async def send(session: AsyncSession, org_id: int, rnd: Round, actor: str) -> Signoff:
    """Send a closed round along the organisation's chain; refused (UserError) with no chain, an open round, or one
    already waiting or approved."""
    chain = await chain_of(session, org_id)
    if not chain:
        raise UserError(_("No sign-off chain is set. Set one first: /signoff chain ปลัด NAME; นายก NAME"))
    if rnd.state != RoundState.CLOSED:
        raise UserError(_("Close the round first (/round close): a round is sent for sign-off once nobody answers."))
    current = await latest(session, org_id, id_of(rnd))
    if current is not None and current.state == SignoffState.PENDING:
        raise UserError(_("This round is already waiting for sign-off. /signoff shows where it stands."))
    if current is not None and current.state == SignoffState.APPROVED:
        raise UserError(_("This round has been approved already."))
    row = Signoff(
        org_id=org_id,
        fiscal_year_id=rnd.fiscal_year_id,
        round_id=id_of(rnd),
        steps=[[s.office.value, s.person_id] for s, _p in chain],
        closed_on=await closed_on(session, org_id, rnd),
        sent_by=actor,
    )
    session.add(row)
    await session.flush()
    await audit(session, org_id, actor, "send", "signoff", row.id, new={"round": rnd.id, "steps": row.steps})
    return row


async def latest_plan(session: AsyncSession, org_id: int, fiscal_year_id: int) -> Signoff | None:
    """The year's plan's most recent sign-off."""
    q = (
        select(Signoff)
        .where(Signoff.org_id == org_id, Signoff.fiscal_year_id == fiscal_year_id, col(Signoff.round_id).is_(None))
        .order_by(col(Signoff.id).desc())
        .limit(1)
    )
    return (await session.exec(q)).first()


async def send_plan(session: AsyncSession, org_id: int, fy: FiscalYear, actor: str, today: dt.date) -> Signoff:
    """Send the year's plan along the chain (ITA O23 asks for a plan the executive approved); refused with no
    chain, no plan, or one already waiting. An approved plan may be sent again (a revised plan)."""
    chain = await chain_of(session, org_id)
    if not chain:
        raise UserError(_("No sign-off chain is set. Set one first: /signoff chain ปลัด NAME; นายก NAME"))
    if not (await session.exec(select(PlanItem.id).where(PlanItem.fiscal_year_id == fy.id).limit(1))).first():
        raise UserError(_("Fiscal year {year} has no plan yet: import it first.").format(year=fy.year_be))
    current = await latest_plan(session, org_id, id_of(fy))
    if current is not None and current.state == SignoffState.PENDING:
        raise UserError(_("This plan is already waiting for sign-off. /signoff shows where it stands."))
    row = Signoff(
        org_id=org_id,
        fiscal_year_id=id_of(fy),
        steps=[[s.office.value, s.person_id] for s, _p in chain],
        closed_on=today,
        sent_by=actor,
    )
    session.add(row)
    await session.flush()
    await audit(session, org_id, actor, "send", "signoff", row.id, new={"plan": fy.year_be, "steps": row.steps})
    return row


def document_set_hash(files: Iterable[Path]) -> str:
    """The SHA-256 of a set of documents: over each file's name and SHA-256, in name order — the same files give
    the same code whatever order they were written in, and a changed byte in any of them changes it."""
    outer = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        inner = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 16), b""):
                inner.update(block)
        outer.update(f"{path.name}\0{inner.hexdigest()}\n".encode())
    return outer.hexdigest()


async def attach_documents(session: AsyncSession, signoff: Signoff, folder: str, doc_hash: str, actor: str) -> None:
    """The documents the offices are sent, laid out after the sending step committed: their folder and hash."""
    signoff.folder, signoff.doc_hash = folder, doc_hash
    signoff.step_since = utcnow()  # the first office waits from the moment it can read them
    session.add(signoff)
    await audit(session, signoff.org_id, actor, "documents", "signoff", signoff.id, new={"doc_hash": doc_hash})


async def acting_palad(session: AsyncSession, org_id: int, today: dt.date) -> list[int]:
    """Who acts for the ปลัด today."""
    return [a.person_id for a in await acting_now(session, org_id, today) if a.unit_id is None]


async def may_decide(session: AsyncSession, signoff: Signoff, person_id: int, today: dt.date) -> bool | None:
    """Whether ``person_id`` decides the office the sign-off waits for: False as its holder, True as who acts for
    the ปลัด today; None when it is not theirs to decide."""
    step = steps_of(signoff)[signoff.position]
    if step.person_id == person_id:
        return False
    if step.office == Office.PALAD and person_id in await acting_palad(session, signoff.org_id, today):
        return True
    return None


@dataclass(frozen=True)
class Signer:
    """Who decided, as they were at that moment."""

    person: Person | None  # None: the admin passing an office by
    title: str
    platform: str
    account: str


async def decide(
    session: AsyncSession, signoff: Signoff, decision: Decision, signer: Signer, comment: str, actor: str
) -> SignoffDecision:
    """Record one office's decision and move the chain on; the sign-off row is locked first, so two presses at once
    decide once (the second finds the office decided and is refused)."""
    await session.refresh(signoff, with_for_update=True)
    if signoff.state != SignoffState.PENDING or not signoff.doc_hash:
        raise UserError(_("This sign-off is no longer waiting for a decision."))
    step = steps_of(signoff)[signoff.position]
    row = SignoffDecision(
        org_id=signoff.org_id,
        signoff_id=id_of(signoff),
        position=signoff.position,
        office=step.office,
        decision=decision,
        person_id=signer.person.id if signer.person else None,
        name=signer.person.display_name if signer.person else "",
        title=signer.title,
        platform=signer.platform,
        account=signer.account,
        comment=comment,
        doc_hash=signoff.doc_hash,
        chain_head=await head(session, signoff.org_id),  # the history as the office saw it
    )
    session.add(row)
    signoff.state, signoff.position = next_after(len(signoff.steps), signoff.position, decision)
    signoff.step_since = row.at
    if signoff.state != SignoffState.PENDING:
        signoff.ended_at = row.at
    session.add(signoff)
    await session.flush()
    new = {"decision": decision.value, "office": step.office.value, "position": row.position, "state": signoff.state}
    if comment:
        new["comment"] = comment
    new["doc_hash"], new["chain_head"] = row.doc_hash, row.chain_head
    await audit(session, signoff.org_id, actor, "decide", "signoff", signoff.id, new=new, person_id=row.person_id)
    if signoff.state == SignoffState.APPROVED and signoff.round_id is None:  # the plan: O23's approval, recorded
        fy = await session.get(FiscalYear, signoff.fiscal_year_id)
        assert fy is not None
        by = _("{title}, in the Tidtam system, document code {code}").format(
            title=signer.title, code=short_code(signoff.doc_hash)
        )
        await record_plan_approval(session, fy, row.at.astimezone(BANGKOK).date(), by[:APPROVER_MAX], actor)
    return row


async def end(session: AsyncSession, signoff: Signoff, state: SignoffState, reason: str, actor: str) -> None:
    """Withdraw a waiting sign-off, or reopen an approved one (answers may change; it must be approved again)."""
    await session.refresh(signoff, with_for_update=True)
    allowed = {SignoffState.WITHDRAWN: SignoffState.PENDING, SignoffState.REOPENED: SignoffState.APPROVED}
    if signoff.state != allowed[state]:
        raise UserError(_("This sign-off is no longer waiting for a decision."))
    old = {"state": signoff.state.value}
    signoff.state, signoff.reason = state, reason
    if state == SignoffState.WITHDRAWN:
        signoff.ended_at = utcnow()
    session.add(signoff)
    await audit(session, signoff.org_id, actor, state.value, "signoff", signoff.id, old=old, new={"reason": reason})


async def decisions(session: AsyncSession, signoff: Signoff) -> list[SignoffDecision]:
    q = select(SignoffDecision).where(SignoffDecision.signoff_id == signoff.id).order_by(col(SignoffDecision.id))
    return list((await session.exec(q)).all())


async def lock_of(session: AsyncSession, org_id: int, round_id: int) -> SignoffState | None:
    """PENDING or APPROVED when the round's answers are locked by its sign-off; None when they may change."""
    current = await latest(session, org_id, round_id)
    return current.state if current is not None and current.state in LOCKING else None


def lock_message(state: SignoffState, months: int) -> str:
    if state == SignoffState.PENDING:
        return _(
            "This round is with the executives for sign-off, so its answers cannot be changed now. The administrator "
            "can take it back with /signoff cancel {months}."
        ).format(months=months)
    return _(
        "This round has been approved, so its answers are locked. To change one, the administrator reopens it with "
        "a reason: /signoff reopen {months} REASON."
    ).format(months=months)


async def first_approved_at(session: AsyncSession, org_id: int, round_id: int) -> dt.datetime | None:
    """When the round was first approved (an approval later reopened counts: what changed after it is marked)."""
    q = select(Signoff.ended_at).where(
        Signoff.org_id == org_id,
        Signoff.round_id == round_id,
        col(Signoff.state).in_([SignoffState.APPROVED, SignoffState.REOPENED]),
    )
    times = [t for t in (await session.exec(q)).all() if t is not None]
    return min(times) if times else None


async def edited_after_approval(session: AsyncSession, org_id: int, round_id: int) -> set[tuple[int, int]]:
    """(item, unit) pairs answered again after the round was first approved: marked "แก้ไขหลังอนุมัติ"."""
    since = await first_approved_at(session, org_id, round_id)
    if since is None:
        return set()
    q = select(StatusReport.item_id, StatusReport.unit_id).where(
        StatusReport.org_id == org_id, StatusReport.round_id == round_id, col(StatusReport.created_at) > since
    )
    return {(i, u) for i, u in (await session.exec(q)).all()}


async def approval_of(
    session: AsyncSession, org_id: int, round_id: int
) -> tuple[Signoff, list[SignoffDecision]] | None:
    """The round's standing approval and its decisions (the approvals and any office passed by); None when the
    round is not approved now."""
    current = await latest(session, org_id, round_id)
    if current is None or current.state != SignoffState.APPROVED:
        return None
    return current, [d for d in await decisions(session, current) if d.decision != Decision.RETURN]


async def waiting(session: AsyncSession) -> list[Signoff]:
    """Every organisation's sign-offs waiting for an office that has its documents (the tick's reminders)."""
    q = select(Signoff).where(Signoff.state == SignoffState.PENDING, Signoff.doc_hash != "").order_by(col(Signoff.id))
    return list((await session.exec(q)).all())


async def states_of_rounds(session: AsyncSession, round_ids: Sequence[int]) -> dict[int, SignoffState]:
    """Each round's latest sign-off state (rounds never sent are absent): one query for an overseer's page."""
    q = (
        select(Signoff.round_id, Signoff.state)
        .where(col(Signoff.round_id).in_(list(round_ids)))
        .order_by(col(Signoff.id))
    )
    return {r: SignoffState(s) for r, s in (await session.exec(q)).all() if r is not None}
