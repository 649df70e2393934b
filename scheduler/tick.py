"""The minute tick: derive from the database what is due now and not yet claimed, and claim it.

Nothing is remembered between ticks: the schedule is the ladder of each open round, the
answers so far, and the outbox's keys. Running a tick twice, or in two processes at once,
queues nothing twice (the keys are unique); a rung that is due stays claimable until the
next rung of its track, and is then recorded as dropped instead of being sent late.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from base.events import Message
from base.settings import Settings
from base.values import BANGKOK, utcnow
from domain.calendar import WorkCalendar
from domain.due import Owed, SendKind, due_sends
from domain.ladder import ALL_RUNGS
from handlers.digest import build_digest
from handlers.reminders import TITLES_SHOWN, reminder_message, thanks_message
from locales.errors import UserError
from locales.i18n import _, in_language
from scheduler.due import Counts, back_mark, digest_mark, ladder_of, rounds_and_counts
from scheduler.housekeeping import housekeep
from scheduler.quota import non_essential
from scheduler.signoff import remind_signoffs
from storage.addresses import Address, role_addresses
from storage.answers import Answers, add_marks_of
from storage.db import AsyncSession, Database
from storage.line_usage import month_of, percents, usage, used_percent
from storage.models import Organisation, OutboxState, Role, Round, RoundState, id_of
from storage.open_rounds import rounds_to_open
from storage.outbox import OutboxKey, enqueue, to_payload
from storage.people import forget_old_join_attempts
from storage.round_state import set_round_state
from storage.wave import RoundRead, open_rounds_with_orgs, read_rounds

log = logging.getLogger(__name__)
WHY_NOT = {
    "late": "found after the next rung was due",
    "repeat": "the chat had this unit's reminder within the interval",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BATCH = 500  # organisations read, planned and claimed together: bounded memory, a few statements each
# batches in flight at once on PostgreSQL, each on its own connection: while one is planned in Python, the database
# reads or writes the other's (SQLite writes one at a time)
IN_FLIGHT = 2


@dataclass(frozen=True)
class Policy:
    work_start: dt.time
    work_end: dt.time
    digest_weekday: int
    digest_time: dt.time
    rungs: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        start, _sep, end = settings.work_hours.partition("-")
        day, _sep, at = settings.digest_at.strip().lower().partition(" ")
        rungs = frozenset(r.strip() for r in settings.reminder_rungs.split(",") if r.strip())
        unknown = rungs - set(ALL_RUNGS)
        if unknown:
            raise ValueError(f"unknown reminder rungs: {', '.join(sorted(unknown))}")
        return cls(
            dt.time.fromisoformat(start.strip()),
            dt.time.fromisoformat(end.strip()),
            WEEKDAYS.index(day[:3]),
            dt.time.fromisoformat(at.strip() or "08:30"),
            rungs,
        )

    def working_time(self, local: dt.datetime, cal: WorkCalendar) -> bool:
        return cal.is_working(local.date()) and self.work_start <= local.time() < self.work_end


@dataclass
class Planned:
    key: OutboxKey
    kind: SendKind
    address: Address
    message: Message
    unit_id: int | None = None
    why_not: str = ""  # a send recorded but not made: "late" (the next rung was due) or "repeat" (within the interval)
    to_head: bool = False


@dataclass
class OrgPlan:
    sends: list[Planned] = field(default_factory=list)
    dropped: list[Planned] = field(default_factory=list)
    marks: list[tuple[int, str]] = field(default_factory=list)  # (unit id or 0, what): planned, see TickMark


@dataclass
class TickReport:
    queued: int = 0
    dropped: int = 0
    opened: list[str] = field(default_factory=list)
    signoffs: int = 0  # sign-offs whose waiting office was reminded


async def auto_open(session: AsyncSession, org_id: int, today: dt.date) -> Round | None:
    """Open a round on its opening day (closing another one still open); the admin closes it."""
    rounds = await Answers(session, org_id).rounds()
    due = next((r for r in rounds if r.state == RoundState.PLANNED and r.opens_on <= today <= r.submit_by), None)
    if due is None:
        return None
    try:
        await set_round_state(session, org_id, due, RoundState.OPEN, actor="scheduler", today=today, close_others=True)
    except UserError as refused:  # a 6-month round planned after the 12-month one opened: left as it is
        log.warning("round %s of organisation %s not opened: %s", due.id, org_id, refused)
        return None
    return due


async def admin_addresses(session: AsyncSession, org_id: int, on: dt.date) -> list[Address]:
    return await role_addresses(session, org_id, Role.ADMIN, on)


async def plan_org(
    session: AsyncSession,
    settings: Settings,
    policy: Policy,
    org: Organisation,
    rnd: Round,
    now: dt.datetime,
    claimed: set[str] | None = None,
    *,
    projection: bool = False,
    read: RoundRead | None = None,
    quota: Callable[[int], float | None] | None = None,
) -> OrgPlan:
    """What is due for one organisation at ``now`` and not in ``claimed`` (the outbox keys; its ledger when
    None): let domain.due decide from the round's read (``read``: read already, with many others), then address
    and write each message in its recipient's language. ``quota``: the organisation's share of its LINE quota,
    read already."""
    local = now.astimezone(BANGKOK)
    org_id, round_id = id_of(org), id_of(rnd)
    since = now - dt.timedelta(hours=settings.reminder_repeat_hours)
    state = read or (await read_rounds(session, [rnd], local.date(), since, TITLES_SHOWN))[round_id]
    working = policy.working_time(local, state.calendar)
    recent = set(state.recent)
    if claimed is None:
        claimed = state.claimed
    rungs = ladder_of(rnd.opens_on, rnd.due_on, rnd.submit_by, state.calendar.extra, policy.rungs)
    decided = due_sends(
        state.standing, rungs, local.date(), working, thanks="thanks" in policy.rungs, projection=projection
    )
    plan = OrgPlan(marks=decided.marks)
    for due in decided.sends:
        unit = state.units.get(due.unit_id, "-")
        prefix = f"{OutboxKey.unit_in_round(org_id, round_id, due.unit_id, due.rung, '', '')}"[:-2]
        if due.catching_up and any(k.startswith(prefix + ":") for k in claimed):
            continue  # a past rung that reached the unit already: not again to whoever is reached now
        for a in state.book.of(due.unit_id, heads_only=due.to_head):
            key = OutboxKey.unit_in_round(org_id, round_id, due.unit_id, due.rung, a.platform, a.chat_id)
            if str(key) in claimed:
                continue
            why_not = "late" if due.late else ""
            checked = due.kind == SendKind.REMINDER and not due.to_head and not why_not  # an escalation is its own
            if checked and (key.scope, a.platform, a.chat_id) in recent:
                why_not = "repeat"
            elif checked:
                recent.add((key.scope, a.platform, a.chat_id))
            with in_language(a.lang):
                if due.kind == SendKind.THANKS:
                    message = thanks_message(rnd, unit)
                else:
                    message = reminder_message(
                        rnd,
                        unit,
                        state.owed.get(due.unit_id, Owed(0)),
                        to_head=due.to_head,
                        today=local.date(),
                        away=state.book.away_in(due.unit_id),
                        all_away=not due.to_head and state.book.all_away(due.unit_id),
                        acting=a.acting,
                        instead=a.instead,
                        mentions=state.book.members_on(due.unit_id, a.platform) if a.is_group else (),
                    )
            planned = Planned(key, due.kind, a, message, due.unit_id, why_not, due.to_head)
            (plan.dropped if why_not else plan.sends).append(planned)
    _one_per_chat(plan)
    if working and not projection:
        _plan_welcome_back(state, org_id, rnd, local.date(), claimed, plan)
    await _plan_digest(session, settings, policy, org, rnd, now, working, claimed, plan, projection, state.book)
    percent = quota(org_id) if quota is not None else used_percent(await usage(session, now, org_id))
    await _mind_line_quota(session, settings, org, now, plan, claimed, working, percent)
    return plan


def _one_per_chat(plan: OrgPlan) -> None:
    """A chat that gets a unit's escalation now (the head's, or the ปลัด's when everyone is away) is not also sent
    the unit's own reminder in the same minute: the escalation names the same items."""
    escalated = {(p.key.scope, p.address.platform, p.address.chat_id) for p in plan.sends if p.to_head}
    for p in [p for p in plan.sends if not p.to_head and p.kind == SendKind.REMINDER]:
        if (p.key.scope, p.address.platform, p.address.chat_id) in escalated:
            plan.sends.remove(p)
            p.why_not = "repeat"
            plan.dropped.append(p)


def _plan_welcome_back(
    state: RoundRead, org_id: int, rnd: Round, today: dt.date, claimed: set[str], plan: OrgPlan
) -> None:
    """On a person's first working day back from leave, one summary of what their unit still awaits (if anything):
    the reminders they missed are not sent again one by one."""
    planned = {(p.key.scope, p.address.platform, p.address.chat_id) for p in plan.sends}
    for leave in state.book.back:
        if state.calendar.next_working(leave.ends_on + dt.timedelta(days=1)) != today:
            continue
        plan.marks.append((0, back_mark(leave.leave_id)))
        for unit_id, todo in state.owed.items():
            for a in state.book.person(unit_id, leave.person_id):
                key = OutboxKey.unit_in_round(
                    org_id, id_of(rnd), unit_id, f"back{leave.leave_id}", a.platform, a.chat_id
                )
                if str(key) in claimed or (key.scope, a.platform, a.chat_id) in planned:
                    continue  # told already, or today's rung reaches them anyway
                with in_language(a.lang):
                    message = reminder_message(rnd, state.units.get(unit_id, "-"), todo, today=today, back=True)
                plan.sends.append(Planned(key, SendKind.REMINDER, a, message, unit_id))


async def _mind_line_quota(session, settings, org, now, plan: OrgPlan, claimed, working, percent) -> None:
    """Past LINE_QUOTA_STOP_PERCENT, hold back non-essential LINE pushes; past the warning level, tell the admins."""
    if percent is None:
        return
    if percent >= settings.line_quota_stop_percent:
        plan.sends = [
            p for p in plan.sends if not (p.address.platform == "line" and non_essential(p.kind, p.key.subject))
        ]
    level = quota_level(settings, percent)
    if level is None or not working:
        return
    plan.marks.append((0, quota_mark(now, level)))
    for a in await admin_addresses(session, org.id, now.astimezone(BANGKOK).date()):
        key = OutboxKey(org.id, f"line-quota:{month_of(now)}", str(level), a.platform, a.chat_id)
        if str(key) not in claimed:
            with in_language(a.lang):
                text = _("LINE messages this month: {percent}% of the quota is used.").format(percent=round(percent))
                if level == settings.line_quota_stop_percent:
                    text += " " + _("Thank-yous and repeated overdue reminders on LINE are held back until next month.")
            plan.sends.append(Planned(key, SendKind.NOTICE, a, Message(text)))


async def _plan_digest(session, settings, policy, org, rnd, now, working, claimed, plan, projection, book) -> None:
    local = now.astimezone(BANGKOK)
    year, week, weekday = local.isocalendar()
    moment = dt.datetime.combine(
        local.date() - dt.timedelta(days=weekday - 1 - policy.digest_weekday), policy.digest_time, tzinfo=BANGKOK
    )
    if not working or local < moment:
        return
    plan.marks.append((0, digest_mark(local)))
    built: dict[str, Message] = {}
    for a in book.managers():
        key = OutboxKey(org.id, "digest", f"{year}-W{week:02d}", a.platform, a.chat_id)
        if str(key) in claimed:
            continue
        if a.lang not in built:
            with in_language(a.lang):
                built[a.lang] = (
                    Message(_("Weekly digest"))
                    if projection
                    else await build_digest(session, settings, org, rnd, now, book)
                )
        plan.sends.append(Planned(key, SendKind.DIGEST, a, built[a.lang]))


def _row(org_id: int, planned: Planned, data_dir, state: OutboxState = OutboxState.PENDING) -> dict:
    a = planned.address
    return {
        "org_id": org_id,
        "key": str(planned.key),
        "kind": planned.kind,
        "platform": a.platform,
        "chat_id": a.chat_id,
        "is_group": a.is_group,
        "payload": to_payload(planned.message, data_dir),
        "state": state,
        "last_error": planned.why_not,
    }


def quota_level(settings: Settings, percent: float) -> int | None:
    """The notice a share of the quota calls for: the stop level, the warning level, or none."""
    if percent >= settings.line_quota_stop_percent:
        return settings.line_quota_stop_percent
    return settings.line_quota_warn_percent if percent >= settings.line_quota_warn_percent else None


def quota_mark(now: dt.datetime, level: int) -> str:
    return f"line-quota:{month_of(now)}:{level}"


async def _quotas(
    session: AsyncSession, settings: Settings, now: dt.datetime
) -> tuple[Callable[[int], str | None], Callable[[int], float | None]]:
    """An organisation's quota mark for now, and its share of the quota used, by the channel it sends on: its own
    or the deployment's."""
    shares, own = await percents(session, now)
    levels = {channel: lv for channel, percent in shares.items() if (lv := quota_level(settings, percent)) is not None}

    def mark_of(org_id: int) -> str | None:
        lv = levels.get(own.get(org_id, ""))
        return quota_mark(now, lv) if lv else None

    def share_of(org_id: int) -> float | None:
        return shares.get(own.get(org_id, ""))

    return mark_of, share_of


async def tick(
    db: Database, settings: Settings, now: dt.datetime | None = None, *, org_ids: Collection[int] | None = None
) -> TickReport:
    """Open the rounds that start today, then plan the organisations that have anything new (scheduler.due)
    and claim what is due. The organisations are read, planned and claimed ``BATCH`` at a time, each batch in a
    dozen statements and one transaction (storage/wave.py): the minute a rung falls due for every unit of a
    nation costs seconds, not a dozen statements per organisation. An organisation whose plan fails is logged
    and passed by; the others' go on. ``org_ids``: only these (the simulator's clock moves for its demo
    organisation alone)."""
    now = now or utcnow()
    policy = Policy.from_settings(settings)
    today = now.astimezone(BANGKOK).date()
    report = TickReport()
    async with db.session() as session:
        to_open = [o for o in await rounds_to_open(session, today) if org_ids is None or o in org_ids]
        if org_ids is None:
            await forget_old_join_attempts(session, now)
    for org_id in to_open:
        async with db.session() as session:
            opened = await auto_open(session, org_id, today)
            org = await session.get(Organisation, org_id)
            if opened and org is not None:
                report.opened.append(f"{org.name}: {opened.months}")
    async with db.session(commit=False) as session:
        mark_of, share_of = await _quotas(session, settings, now)
        due, counts = await rounds_and_counts(session, policy, now, mark_of)
    due = [r for r in due if org_ids is None or r.org_id in org_ids]
    in_flight = asyncio.Semaphore(1 if db.is_sqlite else IN_FLIGHT)

    async def plan(batch: list[int]) -> None:
        async with in_flight:
            await _plan_batch(db, settings, policy, now, batch, counts, share_of, report)

    await asyncio.gather(*(plan([id_of(r) for r in due[i : i + BATCH]]) for i in range(0, len(due), BATCH)))
    report.signoffs = await remind_signoffs(db, settings, now, org_ids)
    if org_ids is None:  # hourly, and after the minute's sends are claimed: reminders never wait for the sweep
        await housekeep(db, settings, now)
    return report


async def _plan_batch(
    db: Database,
    settings: Settings,
    policy: Policy,
    now: dt.datetime,
    round_ids: list[int],
    counts: Counts,
    share_of: Callable[[int], float | None],
    report: TickReport,
) -> None:
    since = now - dt.timedelta(hours=settings.reminder_repeat_hours)
    async with db.session() as session:
        rounds, orgs = await open_rounds_with_orgs(session, round_ids)  # still open: read again, in this transaction
        # what each unit owes and the keys claimed are read here, in this transaction (the counts only say which
        # units own items): an answer given a moment ago is seen, and nothing is claimed twice
        reads = await read_rounds(session, rounds, now.astimezone(BANGKOK).date(), since, TITLES_SHOWN, counts)
        sends, dropped, marks = [], [], []
        for rnd in rounds:
            try:
                plan = await plan_org(
                    session, settings, policy, orgs[rnd.org_id], rnd, now, read=reads[id_of(rnd)], quota=share_of
                )
            except Exception as e:  # one organisation's fault stops no other's reminders
                log.error("tick: organisation %s not planned: %s", rnd.org_id, type(e).__name__, exc_info=e)
                continue
            sends += [_row(rnd.org_id, p, settings.data_dir) for p in plan.sends]
            dropped += [_row(rnd.org_id, p, settings.data_dir, OutboxState.DROPPED) for p in plan.dropped]
            marks += [(rnd.org_id, id_of(rnd), unit_id, mark) for unit_id, mark in plan.marks]
            for p in plan.dropped:
                log.info("reminder %s dropped: %s", p.key, WHY_NOT[p.why_not])
        queued, passed = await enqueue(session, sends), await enqueue(session, dropped)
        await add_marks_of(session, marks)
    # added after the awaits: ``report.queued += await …`` would read the count before another batch added to it
    report.queued += queued
    report.dropped += passed
