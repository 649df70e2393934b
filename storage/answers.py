"""Answers (StatusReports) in a round: who owns what, what is still awaited, the latest word on each pair.

An item owned by several units, or by all units, is answered once by each of them;
the pair (item, unit) is the unit of work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import without_control_characters
from locales.errors import UserError
from storage.chain import lock_chain, seal_answer
from storage.db import insert_rows_ignoring_duplicates
from storage.models import FiscalYear, PlanItem, PlanItemUnit, Round, RoundState, Status, StatusReport, TickMark, Unit
from storage.repo import Plan, Scoped, Units, audit
from storage.signoff import lock_message, lock_of
from storage.snapshot import PlanSnapshot


@dataclass(frozen=True)
class Pair:
    item: PlanItem
    unit_id: int


# the statements every check-in step runs, built once (building one costs more than SQLite running it)
_IN_ROUND_OF_UNITS = (
    StatusReport.org_id == bindparam("org"),
    StatusReport.round_id == bindparam("round"),
    col(StatusReport.unit_id).in_(bindparam("units", expanding=True)),
)
_STATUSES_OF_UNITS = select(
    StatusReport.item_id, StatusReport.unit_id, StatusReport.status, StatusReport.carried_from_id
).where(
    col(StatusReport.id).in_(
        select(func.max(StatusReport.id))
        .where(*_IN_ROUND_OF_UNITS)
        .group_by(StatusReport.item_id, StatusReport.unit_id)
    )
)
_ANSWERED_OF_UNITS = select(StatusReport.item_id, StatusReport.unit_id).where(*_IN_ROUND_OF_UNITS).distinct()
_ANSWERS_OF_PAIR = (
    select(StatusReport, Round.months)
    .join(Round, col(Round.id) == StatusReport.round_id)
    .where(
        StatusReport.org_id == bindparam("org"),
        StatusReport.item_id == bindparam("item"),
        StatusReport.unit_id == bindparam("unit"),
        Round.fiscal_year_id == bindparam("year"),
    )
    .order_by(col(StatusReport.id).desc())
)
_LATEST_OF_PAIR = (
    select(StatusReport)
    .where(
        StatusReport.org_id == bindparam("org"),
        StatusReport.round_id == bindparam("round"),
        StatusReport.item_id == bindparam("item"),
        StatusReport.unit_id == bindparam("unit"),
    )
    .order_by(col(StatusReport.id).desc())
    .limit(1)
)


class Unset:
    """No ``base`` given: save whatever the latest answer is."""


UNSET = Unset()


class AnsweredMeanwhile(Exception):
    """Someone saved another answer to this item since the person began theirs."""

    def __init__(self, newer: StatusReport):
        super().__init__("answered meanwhile")
        self.newer = newer


@dataclass
class Answers(Scoped):
    """``snapshot``: the organisation's rounds, units and the plan of its open round's year as a step began
    (storage/snapshot.py), read from memory instead of the database (other years from the database); only
    for steps that change none of them."""

    snapshot: PlanSnapshot | None = None

    async def open_round(self) -> Round | None:
        if self.snapshot is not None:
            return self.snapshot.open_round()
        q = (
            select(Round)
            .where(Round.org_id == self.org_id, Round.state == RoundState.OPEN)
            .order_by(col(Round.opens_on).desc())
        )
        return (await self.session.exec(q)).first()

    async def current_round(self) -> Round | None:
        """The open round; else the latest one that has been opened; else the next one planned."""
        rnd = await self.open_round()
        if rnd:
            return rnd
        rounds = await self.rounds()
        closed = [r for r in rounds if r.state == RoundState.CLOSED]
        if closed:
            return closed[0]
        return rounds[-1] if rounds else None

    async def rounds(self) -> list[Round]:
        """Every round of the organisation, the latest to open first."""
        q = select(Round).where(Round.org_id == self.org_id).order_by(col(Round.opens_on).desc())
        return list((await self.session.exec(q)).all())

    async def round_by_id(self, round_id: int) -> Round | None:
        if self.snapshot is not None:
            return self.snapshot.rounds.get(round_id)
        rnd = await self.session.get(Round, round_id)
        return rnd if rnd and rnd.org_id == self.org_id else None

    async def pairs(self, fy_id: int, unit_ids: Sequence[int] | None = None) -> list[Pair]:
        """Every (item, owning unit) of the fiscal year, optionally limited to some units."""
        if self.snapshot is not None and fy_id in self.snapshot.by_year:
            return [Pair(item, unit_id) for item, unit_id in self.snapshot.pairs(fy_id, unit_ids)]
        if unit_ids is not None:
            return await self._pairs_of(fy_id, unit_ids)
        fy = await self.session.get(FiscalYear, fy_id)
        plan = Plan(self.session, self.org_id)
        owners = await plan.owners(fy)
        active = [u.id for u in await Units(self.session, self.org_id).all() if u.is_active]
        out = []
        for item in await plan.items(fy):
            for unit_id in active if item.all_units else sorted(owners.get(item.id, [])):
                if unit_ids is None or unit_id in unit_ids:
                    out.append(Pair(item, unit_id))
        return out

    async def _pairs_of(self, fy_id: int, unit_ids: Sequence[int]) -> list[Pair]:
        """A few units' pairs, read without loading the whole plan (this runs on every list a person opens)."""
        in_year = (PlanItem.org_id == self.org_id, PlanItem.fiscal_year_id == fy_id)
        active = set(
            (
                await self.session.exec(
                    select(Unit.id).where(
                        Unit.org_id == self.org_id, col(Unit.id).in_(list(unit_ids)), col(Unit.is_active)
                    )
                )
            ).all()
        )
        found = [
            (item, unit_id)
            for item, unit_id in (
                await self.session.exec(
                    select(PlanItem, PlanItemUnit.unit_id)
                    .join(PlanItemUnit, col(PlanItemUnit.item_id) == PlanItem.id)
                    .where(*in_year, col(PlanItemUnit.unit_id).in_(list(unit_ids)), col(PlanItem.all_units).is_(False))
                )
            ).all()
        ]
        if active:
            found += [
                (item, unit_id)
                for item in (await self.session.exec(select(PlanItem).where(*in_year, col(PlanItem.all_units)))).all()
                for unit_id in active
            ]
        found.sort(key=lambda p: (p[0].position, p[0].id, p[1]))
        return [Pair(item, unit_id) for item, unit_id in found]

    async def latest(
        self, rnd: Round, unit_ids: Sequence[int] | None = None, as_of: dt.datetime | None = None
    ) -> dict[tuple[int, int], StatusReport]:
        """(item id, unit id) → the newest answer in the round (answers are append-only), optionally as it
        stood at ``as_of``."""
        newest = select(func.max(StatusReport.id)).where(
            StatusReport.org_id == self.org_id, StatusReport.round_id == rnd.id
        )
        if unit_ids is not None:
            newest = newest.where(col(StatusReport.unit_id).in_(list(unit_ids)))
        if as_of is not None:
            newest = newest.where(StatusReport.created_at <= as_of)
        newest = newest.group_by(StatusReport.item_id, StatusReport.unit_id)
        q = select(StatusReport).where(col(StatusReport.id).in_(newest))  # not every earlier version too
        return {(r.item_id, r.unit_id): r for r in (await self.session.exec(q)).all()}

    async def statuses(self, rnd: Round, unit_ids: Sequence[int]) -> dict[tuple[int, int], tuple[Status, bool]]:
        """(item id, unit id) → the newest answer's status and whether it was carried from the 6-month round:
        what a person's list shows, without loading whole answers."""
        params = {"org": self.org_id, "round": rnd.id, "units": list(unit_ids)}
        rows = (await self.session.exec(_STATUSES_OF_UNITS, params=params)).all()
        return {(item, unit): (status, carried is not None) for item, unit, status, carried in rows}

    async def answered(self, rnd: Round, unit_ids: Sequence[int]) -> set[tuple[int, int]]:
        params = {"org": self.org_id, "round": rnd.id, "units": list(unit_ids)}
        return set((await self.session.exec(_ANSWERED_OF_UNITS, params=params)).all())

    async def awaiting(self, rnd: Round, unit_ids: Sequence[int]) -> list[Pair]:
        answered = await self.answered(rnd, unit_ids)
        return [p for p in await self.pairs(rnd.fiscal_year_id, unit_ids) if (p.item.id, p.unit_id) not in answered]

    async def earlier_round(self, rnd: Round) -> Round | None:
        """The 6-month round of a 12-month round's fiscal year (the 12-month report builds on it)."""
        if rnd.months != 12:
            return None
        if self.snapshot is not None:
            return next(
                (r for r in self.snapshot.rounds.values() if r.fiscal_year_id == rnd.fiscal_year_id and r.months == 6),
                None,
            )
        q = select(Round).where(
            Round.org_id == self.org_id, Round.fiscal_year_id == rnd.fiscal_year_id, Round.months == 6
        )
        return (await self.session.exec(q)).first()

    async def previous(self, rnd: Round) -> dict[tuple[int, int], StatusReport]:
        """The latest 6-month answers of a 12-month round's year (none for a 6-month round)."""
        earlier = await self.earlier_round(rnd)
        return await self.latest(earlier) if earlier else {}

    async def answers_of(
        self, rnd: Round, item_id: int, unit_id: int
    ) -> tuple[StatusReport | None, StatusReport | None]:
        """One pair's answer in ``rnd`` and, in a 12-month round, its latest 6-month one — in one query."""
        params = {"org": self.org_id, "item": item_id, "unit": unit_id, "year": rnd.fiscal_year_id}
        rows = (await self.session.exec(_ANSWERS_OF_PAIR, params=params)).all()
        now = next((r for r, _months in rows if r.round_id == rnd.id), None)
        before = next((r for r, months in rows if months == 6), None) if rnd.months == 12 else None
        return now, before

    async def carry_forward(self, rnd: Round, actor: str) -> int:
        """Copy each completed 6-month answer into the 12-month round, unless the pair has a 12-month answer
        already: it is then completed there, awaited by no one and reminded to no one. Idempotent."""
        done = {k: r for k, r in (await self.previous(rnd)).items() if r.status == Status.COMPLETED}
        if not done:
            return 0
        mine = await self.latest(rnd)
        carried = 0
        for key, r in sorted(done.items()):
            if key in mine:
                continue
            copy = StatusReport(
                **{name: getattr(r, name) for name in _CARRIED_FIELDS},
                round_id=rnd.id,
                carried_from_id=r.id,
                channel="carried",
            )
            new = seal_answer(copy, _summary(copy))
            self.session.add(copy)
            await self.session.flush()
            await audit(self.session, self.org_id, actor, "carry", "status_report", copy.id, old=_summary(r), new=new)
            carried += 1
        return carried

    async def mark_thanked(self, rnd: Round, unit_id: int) -> None:
        """The chat has just told the unit it is complete: the scheduler's thank-you push would repeat it."""
        await add_marks(self.session, self.org_id, rnd.id, [(unit_id, "thanks")])

    async def owner_units(self, item: PlanItem) -> list[Unit]:
        """The units that answer for an item (each for its own part)."""
        if self.snapshot is not None and item.id in self.snapshot.items:
            return [u for i in self.snapshot.owner_ids(item) if (u := self.snapshot.units[i]).is_active]
        q = select(Unit).where(Unit.org_id == self.org_id, col(Unit.is_active))
        if not item.all_units:
            q = q.join(PlanItemUnit, col(PlanItemUnit.unit_id) == Unit.id).where(PlanItemUnit.item_id == item.id)
        return list((await self.session.exec(q.order_by(Unit.id))).all())

    async def owns(self, item: PlanItem, unit_id: int) -> bool:
        if item.org_id != self.org_id:
            return False
        if self.snapshot is not None and item.id in self.snapshot.items:
            return unit_id in self.snapshot.owner_ids(item)
        if item.all_units:
            unit = await self.unit(unit_id)
            return unit is not None and unit.is_active
        q = select(PlanItemUnit.item_id).where(PlanItemUnit.item_id == item.id, PlanItemUnit.unit_id == unit_id)
        return (await self.session.exec(q)).first() is not None

    async def item(self, item_id: int) -> PlanItem | None:
        if self.snapshot is not None and item_id in self.snapshot.items:
            return self.snapshot.items[item_id]
        item = await self.session.get(PlanItem, item_id)
        return item if item and item.org_id == self.org_id else None

    async def item_by_code(self, fy_id: int, code: str) -> PlanItem | None:
        q = select(PlanItem).where(
            PlanItem.org_id == self.org_id, PlanItem.fiscal_year_id == fy_id, PlanItem.code == code.strip()
        )
        return (await self.session.exec(q)).first()

    async def unit(self, unit_id: int) -> Unit | None:
        if self.snapshot is not None:
            return self.snapshot.units.get(unit_id)
        unit = await self.session.get(Unit, unit_id)
        return unit if unit and unit.org_id == self.org_id else None

    async def history(self, item_id: int, unit_ids: Sequence[int] | None = None) -> list[StatusReport]:
        q = select(StatusReport).where(StatusReport.org_id == self.org_id, StatusReport.item_id == item_id)
        if unit_ids is not None:
            q = q.where(col(StatusReport.unit_id).in_(list(unit_ids)))
        return list((await self.session.exec(q.order_by(StatusReport.id))).all())

    async def save(self, report: StatusReport, actor: str, *, base: int | None | Unset = UNSET) -> StatusReport:
        """Append an answer and its audit line; the previous answer stays as history. ``base``: the answer the
        person saw when they began (None: none); another one found now raises AnsweredMeanwhile, nothing saved
        (checked with the read the audit line needs anyway: no statement more)."""
        report.org_id = self.org_id
        report.carried_from_id = None  # a unit's own answer, even when it repeats the carried one
        for name in ("done_text", "months", "problems", "reason"):  # they go into documents' XML
            setattr(report, name, without_control_characters(getattr(report, name) or ""))
        params = {"org": self.org_id, "round": report.round_id, "item": report.item_id, "unit": report.unit_id}
        await lock_chain(self.session, self.org_id)  # first: the audit line below takes it anyway
        rnd = await self.round_by_id(report.round_id)  # the snapshot's, when the step has one: no statement
        # a round waiting for sign-off or approved is closed, and cannot be opened while so (round_state): only an
        # answer to a round that is not open needs the sign-off read
        if rnd is None or rnd.state != RoundState.OPEN:
            if (locked := await lock_of(self.session, self.org_id, report.round_id)) is not None:
                raise UserError(lock_message(locked, rnd.months if rnd else 6))
        if self.session.bind.dialect.name == "postgresql":  # two saves of one pair at once: the second waits,
            # then reads the first's answer (SQLite's transactions take the write lock at BEGIN: one at a time)
            await (await self.session.connection()).execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:pair, 0))"),
                {"pair": f"answer:{report.round_id}:{report.item_id}:{report.unit_id}"},
            )
        previous = (await self.session.exec(_LATEST_OF_PAIR, params=params)).first()
        if not isinstance(base, Unset) and (previous.id if previous else None) != base:
            assert previous is not None
            raise AnsweredMeanwhile(previous)
        new = seal_answer(report, _summary(report))
        self.session.add(report)
        await self.session.flush()
        await audit(
            self.session,
            self.org_id,
            actor,
            "answer",
            "status_report",
            report.id,
            old=_summary(previous) if previous else None,
            new=new,
            person_id=report.person_id,
        )
        return report


_CARRIED_FIELDS = (
    "org_id",
    "item_id",
    "unit_id",
    "status",
    "done_text",
    "qty_achieved",
    "disbursed",
    "no_budget_used",
    "months",
    "date_from",
    "date_to",
    "evidence",
    "problems",
    "reason",
    "reason_category",
    "person_id",
    "created_at",
)


def _summary(r: StatusReport) -> dict:
    return {
        "item": r.item_id,
        "unit": r.unit_id,
        "round": r.round_id,
        "status": r.status.value,
        **({"carried_from": r.carried_from_id} if r.carried_from_id else {}),
        **({"reason_category": r.reason_category.value} if r.reason_category else {}),
        "disbursed": None if r.disbursed is None else format(r.disbursed, "f"),
        "qty": None if r.qty_achieved is None else format(r.qty_achieved, "f"),
    }


async def add_marks(session: AsyncSession, org_id: int, round_id: int, marks: list[tuple[int, str]]) -> None:
    """What the tick (or the chat) has done for a unit in a round — a rung seen, a thank-you said — kept once."""
    await add_marks_of(session, [(org_id, round_id, u, m) for u, m in marks])


async def add_marks_of(session: AsyncSession, marks: list[tuple[int, int, int, str]]) -> None:
    """``add_marks`` for many rounds at once: (organisation, round, unit, mark), a few thousand a statement."""
    values = [{"org_id": o, "round_id": r, "unit_id": u, "mark": m} for o, r, u, m in sorted(set(marks))]
    await insert_rows_ignoring_duplicates(session, TickMark, values, ["round_id", "unit_id", "mark"])
