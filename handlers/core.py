"""The one entry point: an Incoming event in, a Response out — and all the wiring in one place.

Each event is handled in one transaction, together with the row that marks it processed:
a redelivered event is acknowledged without being done twice, and a crash leaves nothing
half written. A step's UserError rolls back that step only and is said to the person.
"""

from __future__ import annotations

import logging
import uuid
from typing import Awaitable, Callable

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.observe import UPDATES
from base.settings import Settings
from handlers import accounts, admin, checkin, common, digest, manager, onboarding
from handlers.common import welcome_text
from handlers.context import Ctx, write_refusals
from base.events import Incoming, Response
from locales.errors import UserError
from locales.i18n import _, set_language
from locales.thai import clip
from storage.db import Database
from storage.outbox import enqueue, to_payload
from storage.models import ChannelAccount, Conversation, Membership, Organisation, Person, ProcessedEvent
from storage.people import InviteRefused, Roles, conversation_of, record_refused_invite
from storage.types import utcnow

log = logging.getLogger(__name__)

Command = Callable[[Ctx, str], Awaitable[None]]
Step = Callable[[Ctx], Awaitable[None]]
Press = Callable[[Ctx, str], Awaitable[None]]

# who may run a command: None = anyone registered
EVERYONE, UNITS, READERS, ADMINS = "everyone", "units", "readers", "admins"
OVERSEERS_TOO = "overseers_too"  # readers, and overseers (who read the roll-up of the organisations they oversee)
COMMANDS: dict[str, tuple[Command, str]] = {
    "start": (onboarding.start, EVERYONE),
    "help": (common.help_, EVERYONE),
    "lang": (common.lang, EVERYONE),
    "cancel": (common.cancel, EVERYONE),
    "link": (accounts.link, EVERYONE),
    "notify": (accounts.notify, EVERYONE),
    "report": (checkin.report, UNITS),
    "status": (checkin.status, UNITS),
    "item": (manager.item, EVERYONE),
    "summary": (manager.summary, OVERSEERS_TOO),
    "overdue": (manager.overdue, READERS),
    "digest": (digest.digest, READERS),
    "invite": (admin.invite, ADMINS),
    "units": (admin.units, ADMINS),
    "members": (admin.members, ADMINS),
    "round": (admin.round_, ADMINS),
    "remind": (admin.remind, ADMINS),
    "import": (admin.import_, ADMINS),
    "narrative": (admin.narrative, ADMINS),
    "export": (admin.export, READERS),
    "bindgroup": (onboarding.bindgroup, ADMINS),
}
GROUP_COMMANDS = {"start", "help", "bindgroup"}

# what a typed text or a sent file answers, by conversation step
STEPS: dict[str, Step] = {
    onboarding.NAME_STEP: onboarding.got_name,
    "report.status": checkin.wrong_input,
    "report.done": checkin.got_done_text,
    "report.money": checkin.got_money,
    "report.money_confirm": checkin.wrong_input,
    "report.qty": checkin.got_qty,
    "report.evidence": checkin.got_evidence,
    "report.reason_category": checkin.wrong_input,
    "report.reason": checkin.got_reason,
    "report.confirm": checkin.wrong_input,
    "admin.import": admin.got_import_file,
    "admin.import_confirm": admin.got_import_file,
    "admin.narrative": admin.got_narrative,
}

# button payloads "prefix:value"
BUTTONS: dict[str, tuple[Press, str]] = {
    "ls": (checkin.pressed_list, UNITS),
    "pk": (checkin.pressed_pick, UNITS),
    "st": (checkin.pressed_status, UNITS),
    "mc": (checkin.pressed_money_confirm, UNITS),
    "ev": (checkin.pressed_evidence_done, UNITS),
    "rc": (checkin.pressed_reason_category, UNITS),
    "ok": (checkin.pressed_confirm, UNITS),
    "ed": (checkin.pressed_edit, UNITS),
    "cx": (checkin.pressed_cancel, UNITS),
    "lang": (common.pressed_lang, EVERYONE),
    "rnd": (admin.pressed_round, ADMINS),
    "imp": (admin.pressed_import, ADMINS),
    "nar": (admin.pressed_narrative, ADMINS),
}


def allowed(ctx: Ctx, who: str) -> bool:
    r = ctx.roles
    return {EVERYONE: True, UNITS: bool(r.units), READERS: r.reads_everything, ADMINS: r.admin,
            OVERSEERS_TOO: r.reads_everything or r.overseer}[who]


class _StepRefused(Exception):
    """A step's UserError, carried out of the transaction so that all of it rolls back."""

    def __init__(self, error: UserError, org_id: int | None, person_id: int | None, refusals: list[str]):
        self.error, self.org_id, self.person_id, self.refusals = error, org_id, person_id, refusals


async def handle(db: Database, event: Incoming, settings: Settings) -> Response:
    """Handle one event exactly once; the Response is what to send back."""
    set_language(None)
    try:
        async with db.session() as session:
            if event.event_id and not await _first_time(session, event):
                UPDATES.labels(event.platform, "duplicate").inc()
                return Response()
            ctx = await _context(session, event, settings)
            try:
                await route(ctx)
                await _queue_deliveries(ctx)
            except UserError as e:
                raise _StepRefused(e, ctx.org.id if ctx.org else None, ctx.person.id if ctx.person else None,
                                   ctx.refusals) from e
            await ctx.write_refusals()
        UPDATES.labels(event.platform, "handled").inc()
        for job in ctx.after:  # the step is committed; this work holds no transaction of it
            try:
                await job(db)
            except UserError as e:
                ctx.say(str(e))
        return ctx.response
    except _StepRefused as refused:
        return await _refused(db, event, refused)
    except IntegrityError:
        if event.event_id:  # the same event, handled concurrently by another worker
            return Response()
        raise


async def _refused(db: Database, event: Incoming, refused: _StepRefused) -> Response:
    """The step wrote nothing (its transaction rolled back); mark the event handled, log refusals, say why.
    (Cheaper than a savepoint around every step: errors are rare, steps are not.)"""
    async with db.session() as session:
        if event.event_id and not await _first_time(session, event):
            return Response()
        if refused.org_id is not None:
            await write_refusals(session, refused.org_id, f"{event.platform}:{event.user_id}", refused.person_id,
                                 refused.refusals)
        if isinstance(refused.error, InviteRefused):
            await record_refused_invite(session, refused.error, event.platform, event.user_id)
    UPDATES.labels(event.platform, "handled").inc()
    text = str(refused.error)
    return Response(notice=clip(text, 190)).say(text)


async def _queue_deliveries(ctx: Ctx) -> None:
    """Messages to other chats go through the outbox (rate limits, retries, the send ledger)."""
    if not ctx.response.deliveries or ctx.org is None:
        return
    tag = ctx.event.event_id or uuid.uuid4().hex
    await enqueue(ctx.session, [
        {"org_id": ctx.org_id, "key": f"o{ctx.org_id}:e:{ctx.event.platform}:{tag}:{i}", "kind": "notice",
         "platform": d.platform, "chat_id": d.chat_id, "is_group": d.is_group,
         "payload": to_payload(d.message, ctx.settings.data_dir)}
        for i, d in enumerate(ctx.response.deliveries)])


async def _first_time(session: AsyncSession, event: Incoming) -> bool:
    """Mark the event processed; False when it was already (one statement, no savepoint)."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    result = await session.exec(insert(ProcessedEvent.__table__).values(
        platform=event.platform, event_id=event.event_id, at=utcnow()).on_conflict_do_nothing(
        index_elements=["platform", "event_id"]))
    return result.rowcount == 1


async def _context(session: AsyncSession, event: Incoming, settings: Settings) -> Ctx:
    """Who is writing, read in one query: account, person, organisation, conversation and every role."""
    ctx = Ctx(session=session, event=event, settings=settings)
    q = (select(ChannelAccount, Person, Organisation, Conversation, Membership.role, Membership.unit_id)
         .join(Person, col(Person.id) == ChannelAccount.person_id)
         .join(Organisation, col(Organisation.id) == Person.org_id)
         .outerjoin(Conversation, col(Conversation.account_id) == ChannelAccount.id)
         .outerjoin(Membership, (col(Membership.person_id) == Person.id) & (col(Membership.org_id) == Person.org_id))
         .where(ChannelAccount.platform == event.platform, ChannelAccount.external_id == event.user_id))
    rows = (await session.exec(q)).all()
    if rows:
        ctx.account, ctx.person, ctx.org, conversation = rows[0][:4]
        ctx.roles = Roles.of((role, unit_id) for *_entities, role, unit_id in rows if role is not None)
        if event.chat_type == "private":
            ctx.conversation = conversation or await conversation_of(session, ctx.account)
        set_language(ctx.person.lang)
    return ctx


async def route(ctx: Ctx) -> None:
    event = ctx.event
    command = event.command
    if ctx.person is None and not (command and command[0] in ("start", "help", "link")):
        ctx.say(welcome_text(ctx))
        return
    if command:
        await _command(ctx, *command)
    elif event.data is not None:
        await _button(ctx, event.data)
    elif event.chat_type == "group":
        return  # group talk is not for the bot
    elif event.file is not None and ctx.step.startswith("report.") and ctx.step != "report.evidence":
        await checkin.got_file_anytime(ctx)
    elif ctx.step in STEPS:
        await STEPS[ctx.step](ctx)
    elif event.file is not None and ctx.roles.units:
        ctx.say(_("Thank you. To attach evidence, first choose the item with /report."))
    elif ctx.roles.units:
        ctx.say(_("Type /report to answer for your items, or /help to see what I can do."))
    else:  # a hint only for what this person may run
        ctx.say(_("Type /help to see what I can do."))


async def _command(ctx: Ctx, name: str, args: str) -> None:
    if name not in COMMANDS:
        ctx.say(_("I do not know the command /{name}. Type /help to see what I can do.").format(name=name[:30]))
        return
    if ctx.event.chat_type == "group" and name not in GROUP_COMMANDS:
        ctx.say(_("Please use this command in a private chat with me."))
        return
    fn, who = COMMANDS[name]
    if ctx.person is not None and not allowed(ctx, who):
        await ctx.log_refusal(f"/{name}")
        ctx.say(_("Sorry, /{name} is not available to you. Type /help to see what you can do.").format(name=name))
        return
    if ctx.conversation is not None and name not in ("help", "lang", "item", "summary", "overdue", "status"):
        ctx.finish()  # a new command abandons the half-done one
    await fn(ctx, args)


async def _button(ctx: Ctx, data: str) -> None:
    if data.startswith("cmd:"):
        name = data[4:]
        if name in COMMANDS and not (ctx.event.chat_type == "group" and name not in GROUP_COMMANDS):
            await _command(ctx, name, "")
        else:
            ctx.say(_("Please open a private chat with me and type /{name}.").format(name=name[:30]))
        return
    prefix, _sep, value = data.partition(":")
    entry = BUTTONS.get(prefix)
    if entry is None or ctx.event.chat_type == "group":
        await ctx.log_refusal("button")
        raise UserError(_("This button is not valid. Type /help to see what I can do."))
    fn, who = entry
    if not allowed(ctx, who):
        await ctx.log_refusal("button")
        ctx.say(_("Sorry, this is not available to you."))
        return
    await fn(ctx, value)
