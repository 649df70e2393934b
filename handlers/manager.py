"""What managers read: /summary, /overdue, /item CODE."""

from __future__ import annotations

import datetime as dt

from base.values import bangkok_today
from domain.vocabulary import AWAITING, STATUS_ORDER
from handlers.common import baht, budget_lines, clip, round_name, round_state_label
from handlers.context import Ctx
from handlers.reminders import on_leave_line
from locales.i18n import _
from locales.labels import reason_label, status_label
from locales.thai import format_amount, format_date, format_datetime
from reports.model import carried_out_rule
from reports.rollup import latest_year, rollup, rollup_text
from reports.summary import RoundSummary, disbursed_rule, reason_text, round_summary
from storage.addresses import OrgAddresses
from storage.answers import Answers
from storage.files import link_for
from storage.models import CannotReason, Person, Round, Status, StatusReport, Unit, id_of
from storage.oversight import overseen_ids
from storage.people import People
from storage.signoff import first_approved_at


def today() -> dt.date:
    return bangkok_today()


async def _round(ctx: Ctx) -> Round | None:
    rnd = await Answers(ctx.session, ctx.org_id).current_round()
    if rnd is None:
        ctx.say(_("No round has been set up yet."))
    return rnd


def summary_text(s: RoundSummary) -> str:
    """The /summary (and digest) body: counts, the carried-out share with its rule, money, silent units."""
    r = s.round
    lines = [
        _("Summary of {round}, fiscal year {year} ({state})").format(
            round=round_name(r), year=s.fiscal_year.year_be, state=round_state_label(r)
        ),
        _("Units answer by {due}; submit by {submit}").format(
            due=format_date(r.due_on, thai_digits=False), submit=format_date(r.submit_by, thai_digits=False)
        ),
        "",
        _("All {n} items:").format(n=s.items),
    ]
    lines += [f"  {status_label(k)}: {s.counts[k]}" for k in STATUS_ORDER]
    lines += ["", _("By dimension:")]
    for d in s.per_dimension:
        counts = " · ".join(f"{status_label(k)} {d.counts[k]}" for k in STATUS_ORDER if d.counts[k])
        lines.append(_("Dimension {code} ({n} items): {counts}").format(code=d.section.code, n=d.items, counts=counts))
    if s.carried:
        lines += [
            "",
            _("Carried from the 6-month round as completed: {n} answer(s); they are not asked again.").format(
                n=s.carried
            ),
        ]
    if s.reasons:
        unstated = _("no reason given")
        lines += ["", _("Why items could not be done:")] + [
            "  {label}: {n}".format(label=reason_label(CannotReason(k)) if k != "unstated" else unstated, n=n)
            for k, n in sorted(s.reasons.items())
        ]
    lines += [
        "",
        _("Carried out: {share}%").format(share=s.carried_out_share),
        "  " + s.carried_out_formula(),
        _("Disbursed {disbursed} of the budget {planned} ({share}%)").format(
            disbursed=baht(s.disbursed), planned=baht(s.budget_basis), share=s.disbursed_share
        ),
        "  " + disbursed_rule(s.round),
    ]
    silent = s.silent_units
    lines.append("")
    if silent:
        lines.append(_("Units with items awaiting an answer:"))
        lines += [
            _("  {unit}: {awaiting} of {pairs} item(s)").format(unit=u.unit.name, awaiting=u.awaiting, pairs=u.pairs)
            for u in silent
        ]
    else:
        lines.append(_("Every unit has answered for all its items."))
    return "\n".join(lines)


async def summary(ctx: Ctx, args: str = "") -> None:
    """Counts by status overall and per dimension, the carried-out share, money, silent units; for an overseer,
    the roll-up of the organisations their organisation oversees."""
    if ctx.roles.overseer and not ctx.roles.reads_everything:
        await _rollup(ctx, args)
        return
    if not ctx.roles.reads_everything:  # a unit head: their own units only
        if rnd := await _round(ctx):
            headed = [u for u in ctx.roles.unit_ids if ctx.roles.heads(u)]
            ctx.say("\n\n".join([await _unit_summary(ctx, rnd, u) for u in headed]))
        return
    if rnd := await _round(ctx):  # who may read it: handlers/core.py
        ctx.say(summary_text(await round_summary(ctx.session, ctx.org_id, rnd)))


async def _unit_summary(ctx: Ctx, rnd: Round, unit_id: int) -> str:
    """One unit's items in the round by status, and how many are still awaiting: what its head answers for."""
    answers = Answers(ctx.session, ctx.org_id)
    unit = await answers.unit(unit_id)
    pairs = await answers.pairs(rnd.fiscal_year_id, [unit_id])
    given = await answers.statuses(rnd, [unit_id])
    counts = {s: 0 for s in STATUS_ORDER}
    for p in pairs:
        found = given.get((id_of(p.item), unit_id))
        counts[found[0].value if found else AWAITING] += 1
    lines = [
        _("{unit} in {round}: {n} item(s), {done} answered; units answer by {due}.").format(
            unit=unit.name if unit else "-",
            round=round_name(rnd),
            n=len(pairs),
            done=len(pairs) - counts[AWAITING],
            due=format_date(rnd.due_on, thai_digits=False),
        )
    ]
    lines += [f"• {status_label(s)}: {n}" for s, n in counts.items() if n]
    return "\n".join(lines)


async def _rollup(ctx: Ctx, args: str) -> None:
    """/summary [6|12] for an overseer: scoped to the organisations in their oversight list, nothing else."""

    ids = await overseen_ids(ctx.session, ctx.org_id)
    if not ids:
        ctx.say(
            _(
                "Your organisation oversees no organisation yet: the deployment's operator adds them with "
                "`tidtam oversee add`."
            )
        )
        return
    year = await latest_year(ctx.session, ids)
    if year is None:
        ctx.say(_("No round has been set up yet."))
        return
    months = 12 if args.strip() in ("12", "๑๒") else 6
    ctx.say(rollup_text(await rollup(ctx.session, ids, year, months, carried_out_rule(ctx.settings)), limit=30))


async def overdue(ctx: Ctx, args: str = "") -> None:
    """Units with items awaiting an answer past the due date, with the people to call."""
    if not (rnd := await _round(ctx)):
        return
    if today() <= rnd.due_on:
        ctx.say(
            _("Nothing is overdue yet: units answer by {due}.").format(due=format_date(rnd.due_on, thai_digits=False))
        )
        return
    s = await round_summary(ctx.session, ctx.org_id, rnd)
    if not s.silent_units:
        ctx.say(_("No unit is overdue: every item has an answer."))
        return
    people = People(ctx.session, ctx.org_id)
    book = await OrgAddresses.load(ctx.session, ctx.org_id, today())
    days = (today() - rnd.due_on).days
    lines = [
        _("Overdue since {due} ({days} day(s)):").format(due=format_date(rnd.due_on, thai_digits=False), days=days)
    ]
    for u in s.silent_units:
        names = ", ".join(p.display_name or "-" for p in await people.unit_people(id_of(u.unit))) or _(
            "no one registered"
        )
        lines.append(_("{unit}: {n} item(s) awaiting — {people}").format(unit=u.unit.name, n=u.awaiting, people=names))
        if away := book.away_in(id_of(u.unit)):
            lines.append("  " + on_leave_line(away))
    ctx.say("\n".join(lines))


async def item(ctx: Ctx, args: str = "") -> None:
    """One item's answers across rounds and units (members: their own units' answers only)."""
    code = args.strip()
    if not code:
        ctx.say(_("Please add the item's code, for example /item 1.1-1"))
        return
    if not (ctx.roles.reads_everything or ctx.roles.units):
        await ctx.log_refusal("item")
        ctx.say(_("Only managers and administrators can see this."))
        return
    answers = Answers(ctx.session, ctx.org_id)
    rnd = await answers.current_round()
    found = await answers.item_by_code(rnd.fiscal_year_id, code) if rnd else None
    if found is None:
        ctx.say(_("There is no item with code {code}.").format(code=clip(code, 30)))
        return
    visible = None if ctx.roles.reads_everything else ctx.roles.unit_ids
    if visible is not None and not any([await answers.owns(found, u) for u in visible]):
        await ctx.log_refusal("item")
        ctx.say(_("This item belongs to another unit."))
        return
    owners = await answers.owner_units(found)
    lines = [f"{found.code} {found.title}"] + budget_lines(found)
    if len(owners) > 1:
        lines.append(
            _("Shared by {n} units: {names}; each answers for its own part.").format(
                n=len(owners), names=", ".join(u.name for u in owners)
            )
        )
    history = await answers.history(id_of(found), visible)
    if not history:
        lines.append(_("No answers yet."))
    rounds: dict[int, Round | None] = {}
    approved: dict[int, dt.datetime | None] = {}
    for h in history:
        rounds.setdefault(h.round_id, await answers.round_by_id(h.round_id))
        if h.round_id not in approved:
            approved[h.round_id] = await first_approved_at(ctx.session, ctx.org_id, h.round_id)
        since = approved[h.round_id]
        lines.append(await _history_line(ctx, h, rounds[h.round_id], since is not None and h.created_at > since))
    if rnd and len(owners) > 1:
        latest = await answers.latest(rnd, visible)
        lines += ["", _("Each unit's answer in {round}:").format(round=round_name(rnd))]
        lines += [
            f"  {u.name}: "
            + status_label(latest[key].status.value if (key := (id_of(found), id_of(u))) in latest else AWAITING)
            for u in owners
            if visible is None or u.id in visible
        ]
    ctx.say("\n".join(lines))


async def _history_line(ctx: Ctx, h: StatusReport, rnd: Round | None, revised: bool = False) -> str:
    """One answer of an item's history: round, unit, status, when, who; money, what was done, why not, evidence.
    ``revised``: given after the round was approved (marked, so a reader knows the approval did not see it)."""
    unit = await ctx.session.get(Unit, h.unit_id)
    who = await ctx.session.get(Person, h.person_id) if h.person_id else None
    line = _("{round} · {unit} · {status} · {when} · {who}").format(
        round=round_name(rnd) if rnd else "-",
        unit=unit.name if unit else "-",
        status=status_label(h.status.value),
        when=format_datetime(h.created_at),
        who=who.display_name if who else "-",
    )
    if h.carried:
        line += " · " + _("carried from the 6-month round")
    if revised:
        line += " · " + _("(revised after approval)")
    if h.disbursed is not None:
        line += " · " + _("disbursed {amount}").format(amount=format_amount(h.disbursed))
    if h.done_text:
        line += "\n    " + clip(h.done_text, 200)
    if h.status == Status.CANNOT and reason_text(h):
        line += "\n    " + _("Reason: {text}").format(text=clip(reason_text(h), 200))
    for e in h.evidence:
        line += "\n    " + _("Evidence: {where}").format(where=await _evidence_where(ctx, e))
    return line


async def _evidence_where(ctx: Ctx, evidence: dict) -> str:
    """A URL as given; a stored file as a one-time download link for the person asking."""
    if evidence.get("kind") == "url":
        return evidence["url"]

    return await link_for(
        ctx.session,
        ctx.settings,
        ctx.settings.data_dir / evidence["path"],
        evidence.get("name") or "evidence",
        platform=ctx.event.platform,
        external_id=ctx.event.user_id,
    )
