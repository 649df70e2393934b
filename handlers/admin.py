"""What the compiler (admin) runs from chat: invites, units, members, the round, reminders, import, narrative."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Sequence
from pathlib import Path

from base.events import Attachment, Button, Delivery, Message
from base.values import bangkok_today, utcnow
from handlers.common import MAX_TEXT, clip, round_name, round_state_label
from handlers.context import Ctx, resume, token
from handlers.onboarding import role_label
from handlers.protocol import ImportAnswer, NarrativeField, RoundAction, RoundAnswer, Step
from handlers.reminders import round_notices, unit_reminders
from locales.errors import UserError
from locales.i18n import _
from locales.thai import format_date
from storage.addresses import OrgAddresses
from storage.answers import Answers
from storage.db import AsyncSession
from storage.models import Role, Round, RoundNarrative, RoundState, id_of
from storage.outbox import reminded_since
from storage.people import People
from storage.plan_file import PlanFileError
from storage.plan_import import import_plan
from storage.plan_sandbox import read_plan_async
from storage.repo import Rounds, Units, audit, narrative_of
from storage.round_state import check_may_open, check_undo, set_round_state, undo_early_opening
from storage.telegram_bots import bot_of_org

IMPORT_MAX_BYTES = 5 * 1024 * 1024
NARRATIVE_FIELDS = ("supporting", "problems", "suggestions")


def narrative_label(field: str) -> str:
    return {
        "supporting": _("Supporting factors"),
        "problems": _("Problems and obstacles"),
        "suggestions": _("Suggestions"),
    }[field]


# ---------------------------------------------------------------- invites, units, members


async def invite(ctx: Ctx, args: str = "") -> None:
    """/invite UNIT member|head [USES] or /invite manager|admin [USES]: makes a code and its link."""
    words = args.split()
    uses = 1
    if words and words[-1].isdigit():
        uses = int(words.pop())
    roles = {r.value: r for r in Role}
    if not words or words[-1].lower() not in roles:
        ctx.say(
            _(
                "Usage: /invite UNIT member|head [USES], or /invite manager, or /invite admin\n"
                "For example: /invite กองคลัง member"
            )
        )
        return
    role = roles[words.pop().lower()]
    unit_name = " ".join(words) or None
    created, unit = await People(ctx.session, ctx.org_id).create_invite(
        unit_name=unit_name if role in (Role.HEAD, Role.MEMBER) else None, role=role, uses=uses, actor=ctx.actor
    )
    where = _("{role} of {unit}").format(role=role_label(role), unit=unit.name) if unit else role_label(role)
    lines = [
        _("Invite for {where}, usable {uses} time(s) until {until}:").format(
            where=where, uses=uses, until=format_date(created.expires_at.date(), thai_digits=False)
        )
    ]
    if ctx.event.platform == "telegram":
        own = await bot_of_org(ctx.session, ctx.org_id)  # the link opens the bot the organisation's people join on
        username = own.username if own is not None else ctx.event.bot_username
        if username:
            lines.append(f"https://t.me/{username}?start={created.code}")
    lines.append(_("or type in a private chat with the bot: /start {code}").format(code=created.code))
    lines.append(created.code)
    ctx.say("\n".join(lines))


async def units(ctx: Ctx, args: str = "") -> None:
    """The unit tree with how many people each has and what is awaited in the open round."""
    tree = await Units(ctx.session, ctx.org_id).tree()
    if not tree:
        ctx.say(_("No units yet: import the plan with /import."))
        return
    people = People(ctx.session, ctx.org_id)
    answers = Answers(ctx.session, ctx.org_id)
    rnd = await answers.open_round()
    lines = [_("Units:")]
    for depth, unit in tree:
        n = len(await people.unit_people(id_of(unit)))
        line = "  " * depth + _("{unit}: {n} person(s)").format(unit=unit.name, n=n)
        if rnd:
            line += " · " + _("{n} awaiting").format(n=len(await answers.awaiting(rnd, [id_of(unit)])))
        lines.append(line)
    ctx.say("\n".join(lines))


async def members(ctx: Ctx, args: str = "") -> None:
    """Everyone registered, with their roles and chat platforms."""
    unit_names = {u.id: u.name for u in await Units(ctx.session, ctx.org_id).all()}
    rows = await People(ctx.session, ctx.org_id).members()
    if not rows:
        ctx.say(_("Nobody has joined yet. Make an invite with /invite."))
        return
    lines = [_("Members ({n}):").format(n=len(rows))]
    for person, memberships, accounts in rows:
        roles = ", ".join(
            _("{role} of {unit}").format(role=role_label(m.role), unit=unit_names[m.unit_id])
            if m.unit_id
            else role_label(m.role)
            for m in memberships
        )
        platforms = ", ".join(sorted({a.platform for a in accounts}))
        lines.append(f"• {person.display_name or '-'} — {roles} ({platforms})")
    ctx.say("\n".join(lines))


# ---------------------------------------------------------------- the round


async def round_(ctx: Ctx, args: str = "") -> None:
    """Shows the rounds; /round open 6|12 and /round close change them (also by button)."""
    words = args.split()
    repo = Rounds(ctx.session, ctx.org_id)
    fy = await repo.fiscal_year()
    rounds = await repo.of_year(fy)
    if words[:1] == ["open"] and len(words) == 2 and words[1] in ("6", "12"):
        await _ask(ctx, await repo.get(fy, int(words[1])), RoundState.OPEN)
        return
    elif words == ["undo"]:
        await _ask(ctx, await repo.get(fy, 12), RoundState.PLANNED)
        return
    elif words[:1] == ["close"]:
        opened = [r for r in rounds if r.state == RoundState.OPEN]
        if not opened:
            raise UserError(_("No round is open."))
        await _ask(ctx, opened[0], RoundState.CLOSED)
        return
    elif words:
        ctx.say(
            _("Usage: /round, /round open 6|12, /round close, /round undo (an early opening of the 12-month round)")
        )
        return
    await _show_rounds(ctx, await repo.of_year(fy))


async def _show_rounds(ctx: Ctx, rounds: Sequence[Round], *, edit: bool = False) -> None:
    lines, buttons = [], []
    for r in rounds:
        lines.append(
            _("{round}: {state}; opens {opens}, units answer by {due}, submit by {submit}").format(
                round=round_name(r),
                state=round_state_label(r),
                opens=format_date(r.opens_on, thai_digits=False),
                due=format_date(r.due_on, thai_digits=False),
                submit=format_date(r.submit_by, thai_digits=False),
            )
        )
        if r.state == RoundState.OPEN:
            buttons.append(
                [Button(_("Close {round}").format(round=round_name(r)), RoundAction("close", id_of(r)).pack())]
            )
        else:
            buttons.append(
                [Button(_("Open {round}").format(round=round_name(r)), RoundAction("open", id_of(r)).pack())]
            )
    ctx.say("\n".join(lines), buttons, edit=edit)


async def pressed_round(ctx: Ctx, press: RoundAction) -> None:
    action = press.action
    rnd = await Answers(ctx.session, ctx.org_id).round_by_id(press.round_id)
    if rnd is None or action not in ("open", "close"):
        raise UserError(_("This button is not valid."))
    await _ask(ctx, rnd, RoundState.OPEN if action == "open" else RoundState.CLOSED, edit=True)


async def round_question(session, org_id: int, rnd: Round, state: RoundState, today: dt.date) -> tuple[list[str], str]:
    """What opening or closing ``rnd`` will do, in the words the admin confirms (chat and CLI alike), and the label
    of the yes; refuses (UserError) an opening that is not allowed."""
    answers = Answers(session, org_id)
    units = [id_of(u) for u in await Units(session, org_id).all()]
    lines = []
    if state == RoundState.PLANNED:
        await check_undo(session, org_id, rnd, today)  # refused now, not after a yes
        return [
            _(
                "Take back the opening of {round}? Only while nobody has answered in it, and only before its own "
                "date: the answers carried from the 6-month round are removed from it, it opens again on its "
                "planned date, and the 6-month round can be opened again."
            ).format(round=round_name(rnd))
        ], _("Take back the opening")
    if state == RoundState.CLOSED:
        waiting = await answers.awaiting(rnd, units)
        lines.append(_("Close {round}? Units can no longer answer and reminders stop.").format(round=round_name(rnd)))
        if waiting:
            lines.append(
                _("{n} answer(s) from {units} unit(s) are still awaiting; they will not be collected.").format(
                    n=len(waiting), units=len({p.unit_id for p in waiting})
                )
            )
        lines.append(
            _("It can be opened again with /round open {months}.").format(months=rnd.months)
            if rnd.months == 12
            else _("It can be opened again with /round open 6 — but only until the 12-month round is opened.")
        )
        return lines, _("Close {round}").format(round=round_name(rnd))
    await check_may_open(session, org_id, rnd)  # refused now, not after a yes
    lines.append(_("Open {round}? Units are asked to answer and reminders start.").format(round=round_name(rnd)))
    if today < rnd.opens_on:
        lines.append(
            _("It is planned to open on {date}; opening now sends its opening message today.").format(
                date=format_date(rnd.opens_on, thai_digits=False)
            )
        )
    if rnd.months == 12:
        six = await answers.earlier_round(rnd)
        left = await answers.awaiting(six, units) if six else []
        if left:
            lines.append(
                _("The 6-month round still awaits {n} answer(s) from {units} unit(s).").format(
                    n=len(left), units=len({p.unit_id for p in left})
                )
            )
        lines.append(
            _(
                "Once a unit answers in the 12-month round, this cannot be undone: the 6-month round can never be "
                "opened again, and its answers still awaiting can never be collected (until then /round undo takes "
                "an early opening back). Completed 6-month answers are carried forward."
            )
        )
    return lines, _("Open {round}").format(round=round_name(rnd))


async def _ask(ctx: Ctx, rnd: Round, state: RoundState, *, edit: bool = False) -> None:
    """Opening or closing a round changes what every unit may do, and opening the 12-month round can never be
    undone: say what will happen, and do it only on a yes."""
    if rnd.state == state:
        ctx.say(_("{round} is already {state}.").format(round=round_name(rnd), state=round_state_label(rnd)))
        return
    lines, yes = await round_question(ctx.session, ctx.org_id, rnd, state, bangkok_today())
    tk = token()
    ctx.goto(Step.ROUND_CONFIRM, tk=tk, round_id=rnd.id, state=state.value)
    ctx.say(
        "\n".join(lines),
        [[Button(yes, RoundAnswer(tk, "y").pack()), Button(_("Cancel"), RoundAnswer(tk, "n").pack())]],
        edit=edit,
    )


async def pressed_round_answer(ctx: Ctx, press: RoundAnswer) -> None:
    if ctx.step != Step.ROUND_CONFIRM or ctx.data.get("tk") != press.tk:
        ctx.say(_("This button belongs to an earlier question. Send /round again."), edit=True)
        return
    round_id, state = int(ctx.data["round_id"]), RoundState(ctx.data["state"])
    ctx.finish()  # a second press finds nothing to confirm
    if press.answer != "y":
        ctx.say(_("Nothing was changed."), edit=True)
        return
    rnd = await Answers(ctx.session, ctx.org_id).round_by_id(round_id)
    if rnd is None:
        raise UserError(_("This button is not valid."))
    if state == RoundState.PLANNED:
        removed = await undo_early_opening(ctx.session, ctx.org_id, rnd, actor=ctx.actor, today=bangkok_today())
        ctx.say(
            _(
                "The opening of {round} is taken back ({n} carried answer(s) removed); it opens on {date}. "
                "The 6-month round can be opened again with /round open 6."
            ).format(round=round_name(rnd), n=removed, date=format_date(rnd.opens_on, thai_digits=False))
        )
    else:
        await _set_state(ctx, rnd, state)
    await _show_rounds(
        ctx,
        await Rounds(ctx.session, ctx.org_id).of_year(await Rounds(ctx.session, ctx.org_id).fiscal_year()),
        edit=True,
    )


async def _set_state(ctx: Ctx, rnd: Round, state: RoundState) -> None:
    was = rnd.state
    carried = await set_round_state(
        ctx.session,
        ctx.org_id,
        rnd,
        state,
        actor=ctx.actor,
        person_id=ctx.me.id,
        today=bangkok_today(),
    )
    if carried:
        ctx.say(
            _(
                "{round} is open. {n} answer(s) completed in the 6-month round are carried forward: those items "
                "count as completed and their units are not asked again."
            ).format(round=round_name(rnd), n=carried)
        )
    if was != rnd.state:
        ctx.response.notice = round_state_label(rnd)
    if was != rnd.state:
        await _tell_units(ctx, rnd, state, reopened=was == RoundState.CLOSED)
    if was != rnd.state and state == RoundState.CLOSED:
        ctx.say(
            _(
                "{round} is closed: units can no longer answer, and nothing is published yet. Next: /export to "
                "check the documents, /narrative for the report's three sections, then /publish round {months} "
                "to publish them (you will see a preview first)."
            ).format(round=round_name(rnd), months=rnd.months)
        )


async def _tell_units(ctx: Ctx, rnd: Round, state: RoundState, *, reopened: bool) -> None:
    ctx.response.deliveries += await round_change_notices(ctx.session, ctx.org_id, rnd, state, reopened=reopened)


async def round_change_notices(
    session: AsyncSession, org_id: int, rnd: Round, state: RoundState, *, reopened: bool
) -> list[Delivery]:
    """What units are told of a close and a reopening, from the chat or the CLI; a first opening is the ladder's
    own opening message (sent by the scheduler today, when the round opened early)."""
    if state == RoundState.OPEN and not reopened:
        return []
    units = [id_of(u) for u in await Units(session, org_id).all()]
    book = await OrgAddresses.load(session, org_id)
    if state == RoundState.CLOSED:
        return round_notices(
            book, units, lambda: _("{round} is closed: answers can no longer be sent.").format(round=round_name(rnd))
        )
    return round_notices(
        book,
        units,
        lambda: _("{round} is open again: items still awaiting can be answered now with /report.").format(
            round=round_name(rnd)
        ),
    )


# ---------------------------------------------------------------- reminders now


async def remind(ctx: Ctx, args: str = "") -> None:
    """Reminds now every unit that still has items awaiting an answer (only those)."""
    answers = Answers(ctx.session, ctx.org_id)
    rnd = await answers.open_round()
    if rnd is None:
        raise UserError(_("No reporting round is open at the moment. Your administrator opens it with /round."))
    sent_to, unreachable, repeated, skipped_chats = [], [], [], 0
    book = await OrgAddresses.load(ctx.session, ctx.org_id)
    hours = ctx.settings.reminder_repeat_hours
    recent = await reminded_since(ctx.session, ctx.org_id, utcnow() - dt.timedelta(hours=hours))
    for unit in await Units(ctx.session, ctx.org_id).all():
        waiting = await answers.awaiting(rnd, [id_of(unit)])
        if not waiting:
            continue
        deliveries, skipped = unit_reminders(book, rnd, unit, waiting, bangkok_today(), recent)
        ctx.response.deliveries += deliveries
        skipped_chats += skipped
        if deliveries:
            sent_to.append(
                _("{unit} ({n} item(s), {m} chat(s))").format(unit=unit.name, n=len(waiting), m=len(deliveries))
            )
        elif skipped:
            repeated.append(unit.name)
        else:
            unreachable.append(unit.name)
    await audit(
        ctx.session,
        ctx.org_id,
        ctx.actor,
        "remind",
        "round",
        rnd.id,
        new={"units": len(sent_to), "chats_not_reminded_again": skipped_chats},
        person_id=ctx.me.id,
    )
    if not sent_to and not unreachable and not repeated:
        ctx.say(_("Every unit has answered; no reminder was needed."))
        return
    lines = [_("Reminders sent to: {units}").format(units="; ".join(sent_to))] if sent_to else []
    if repeated:
        lines.append(
            _("Not sent again, as they were reminded less than {hours} hours ago: {units}.").format(
                hours=hours, units=", ".join(repeated)
            )
        )
    if unreachable:
        lines.append(
            _(
                "Nobody of these units has joined yet, so they could not be reminded: {units}. "
                "Make an invite with /invite."
            ).format(units=", ".join(unreachable))
        )
    ctx.say("\n".join(lines))


# ---------------------------------------------------------------- plan import from chat


async def import_(ctx: Ctx, args: str = "") -> None:
    ctx.goto(Step.IMPORT)
    ctx.say(_("Please send the plan file (.xlsx or .csv) as a document. Type /cancel to stop."))


async def got_import_file(ctx: Ctx) -> None:
    """Checks the file and shows what importing it would do; nothing is written before [Import].

    Downloading and reading the file happen after this step's transaction (``ctx.later``): on SQLite a
    transaction holds the one write lock, and everybody else's answers would wait for the file."""
    f = ctx.event.file
    if f is None:
        ctx.say(_("Please send the plan as a file (.xlsx or .csv), or type /cancel."))
        return
    ext = Path(f.name).suffix.lower()
    if ext not in (".xlsx", ".csv"):
        raise UserError(
            _(
                "A plan file must be .xlsx or .csv (got {name}); download the template with `tidtam plan template`"
            ).format(name=clip(Path(f.name).name, 60))
        )
    _refuse_large(f.size)
    ctx.later(lambda db: _check_import_file(ctx, db, ext), detached=True)  # reads only: a retry is all it costs


async def _check_import_file(ctx: Ctx, db, ext: str) -> None:
    assert ctx.event.file is not None  # this step runs only for a file (got_import_file)
    content = await ctx.event.file.fetch()
    _refuse_large(len(content))  # a platform may not say the size before
    folder = ctx.settings.data_dir / "imports" / str(ctx.org_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{ext}"
    path.write_bytes(content)
    try:
        rows = await read_plan_async(path, ctx.settings.import_memory_mb, ctx.settings.import_seconds)
    except PlanFileError as e:
        ctx.say("\n".join([str(e)] + [f"- {err}" for err in e.errors[:30]]))
        return
    tk = token()
    async with db.session() as session:
        if not await resume(ctx, session, (Step.IMPORT, Step.IMPORT_CONFIRM)):
            return  # the person moved on (/cancel) while the file was read
        fy = await Rounds(session, ctx.org_id).fiscal_year()
        savepoint = await session.begin_nested()
        try:
            result = await import_plan(session, ctx.org_id, fy, rows, actor=ctx.actor)
        except PlanFileError as e:  # checks against what is stored: a unit misspelt
            await savepoint.rollback()
            ctx.say("\n".join([str(e)] + [f"- {err}" for err in e.errors[:30]]))
            return
        await savepoint.rollback()
        ctx.goto(Step.IMPORT_CONFIRM, tk=tk, path=path.relative_to(ctx.settings.data_dir).as_posix())
    ctx.say(
        "\n".join(result.lines(dry_run=True)),
        [[Button(_("Import"), ImportAnswer(tk, "y").pack()), Button(_("Cancel"), ImportAnswer(tk, "n").pack())]],
    )


def _refuse_large(size: int | None) -> None:
    if size is not None and size > IMPORT_MAX_BYTES:
        raise UserError(
            _("The file is too large ({size} MB); the limit is {limit} MB.").format(
                size=round(size / 1024 / 1024, 1), limit=IMPORT_MAX_BYTES // 1024 // 1024
            )
        )


async def pressed_import(ctx: Ctx, press: ImportAnswer) -> None:
    tk, answer = press.tk, press.answer
    if ctx.step != Step.IMPORT_CONFIRM or ctx.data.get("tk") != tk:
        ctx.say(_("This button belongs to an earlier file. Send /import again."), edit=True)
        return
    path = ctx.settings.data_dir / ctx.data["path"]
    ctx.finish()  # committed before the import: a second press finds nothing to confirm
    if answer != "y":
        ctx.say(_("Import cancelled; nothing was written."), edit=True)
        return
    ctx.later(lambda db: _import_confirmed(ctx, db, path))


async def _import_confirmed(ctx: Ctx, db, path: Path) -> None:
    rows = await read_plan_async(path, ctx.settings.import_memory_mb, ctx.settings.import_seconds)
    async with db.session() as session:
        fy = await Rounds(session, ctx.org_id).fiscal_year()
        result = await import_plan(session, ctx.org_id, fy, rows, actor=ctx.actor)
    ctx.say("\n".join([_("Imported.")] + result.lines(dry_run=False)), edit=True)


# ---------------------------------------------------------------- narrative


async def _narrative(ctx: Ctx) -> tuple[Round, RoundNarrative]:
    rnd = await Answers(ctx.session, ctx.org_id).current_round()
    if rnd is None:
        raise UserError(_("No round has been set up yet."))
    return rnd, await narrative_of(ctx.session, ctx.org_id, id_of(rnd))


async def narrative(ctx: Ctx, args: str = "") -> None:
    """Shows the round's three narrative sections, each with a button to write it."""
    rnd, nar = await _narrative(ctx)
    lines = [_("Narrative of {round}:").format(round=round_name(rnd))]
    for name in NARRATIVE_FIELDS:
        lines.append(f"\n{narrative_label(name)}:\n{getattr(nar, name) or _('(not written yet)')}")
    ctx.say(
        "\n".join(lines),
        [
            [Button(_("Write: {section}").format(section=narrative_label(n)), NarrativeField(n).pack())]
            for n in NARRATIVE_FIELDS
        ],
    )


async def pressed_narrative(ctx: Ctx, press: NarrativeField) -> None:
    value = press.field
    if value not in NARRATIVE_FIELDS:
        raise UserError(_("This button is not valid."))
    ctx.goto(Step.NARRATIVE, field=value)
    ctx.say(
        _('Please type the text for "{section}" (it replaces what was there).').format(section=narrative_label(value))
    )


async def got_narrative(ctx: Ctx) -> None:
    text = ctx.event.text.strip()
    if not text or len(text) > 4 * MAX_TEXT:
        ctx.say(_("Please type a text of at most {limit} characters.").format(limit=f"{4 * MAX_TEXT:,}"))
        return
    rnd, nar = await _narrative(ctx)
    name = ctx.data["field"]
    old = getattr(nar, name)
    setattr(nar, name, text)
    nar.updated_by, nar.updated_at = ctx.me.id, utcnow()
    ctx.session.add(nar)
    await ctx.session.flush()
    await audit(
        ctx.session,
        ctx.org_id,
        ctx.actor,
        "update",
        "round_narrative",
        nar.id,
        old={name: old},
        new={name: text},
        person_id=ctx.me.id,
    )
    ctx.finish()
    ctx.say(_('Saved "{section}".').format(section=narrative_label(name)))


# ---------------------------------------------------------------- documents


async def export(ctx: Ctx, args: str = "") -> None:
    """/export [6|12]: the round's documents (XLSX, DOCX, PDF) as files, and what to check before signing.
    The round is chosen in the step; the documents are read and laid out after its transaction has committed
    (``ctx.later``), so the seconds of rendering hold no write lock while everyone else answers."""
    answers = Answers(ctx.session, ctx.org_id)
    words = args.split()
    if words and words[0] in ("6", "12"):
        repo = Rounds(ctx.session, ctx.org_id)
        rnd: Round | None = await repo.get(await repo.fiscal_year(), int(words[0]))
    else:
        rnd = await answers.current_round()
    if rnd is None:
        raise UserError(_("No round has been set up yet."))
    round_id, org = id_of(rnd), ctx.organisation

    async def render(db) -> None:

        from reports.export import FORMATS
        from reports.export import export as write_all
        from reports.model import build_report

        async with db.session(commit=False) as session:  # one consistent read, then no transaction at all
            chosen = await Answers(session, ctx.org_id).round_by_id(round_id)
            if chosen is None:  # removed while the export waited for its turn
                raise UserError(_("No round has been set up yet."))
            report = await build_report(session, ctx.settings, org, chosen)
        folder = ctx.settings.data_dir / "exports" / str(ctx.org_id) / uuid.uuid4().hex[:12]
        files = await asyncio.to_thread(write_all, report, list(FORMATS), folder)
        _say_exported(ctx, report, files)

    ctx.later(render, detached=True)


def _say_exported(ctx: Ctx, report, files: list[Path]) -> None:
    rnd = report.round
    lines = [
        _("The documents of {round}, fiscal year {year}:").format(
            round=round_name(rnd), year=report.fiscal_year.year_be
        )
    ]
    lines += (
        [f"• {c.message}" for c in report.checks] if report.checks else [_("Checks before signing: no issue found.")]
    )
    if report.checks:
        lines.insert(1, _("Checks before signing ({n}):").format(n=len(report.checks)))
    ctx.say("\n".join(lines))
    for path in files:
        ctx.response.messages.append(Message("", attachment=Attachment("document", path, path.name)))
