"""The one entry point: an Incoming event in, a Response out — and all the wiring in one place.

Each event is handled in one transaction, together with the row that marks it processed:
a redelivered event is acknowledged without being done twice, and a crash leaves nothing
half written. A step's UserError rolls back the whole event's transaction (nothing of the step is kept)
and is said to the person; refusals worth counting are then written in a transaction of their own.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from base.events import Incoming, Response
from base.observe import UPDATES
from base.settings import Settings
from base.values import bangkok_today
from handlers import admin, checkin, common, leave, onboarding, protocol, publish, signoff
from handlers.commands import COMMANDS, Who, allowed
from handlers.common import welcome_text
from handlers.context import Ctx, write_refusals
from handlers.protocol import Step
from handlers.reminders import queue_deliveries
from locales.errors import UserError
from locales.i18n import _, current_language, set_language
from locales.thai import clip
from storage.acting import acting_of
from storage.db import AsyncSession, Database, IntegrityError
from storage.identity import first_time, who_is
from storage.models import Role, id_of
from storage.people import InviteRefused, Roles, conversation_of, record_refused_invite

log = logging.getLogger(__name__)

Answer = Callable[[Ctx], Awaitable[None]]  # what a typed text or a sent file does at a step
Pressed = Callable[[Ctx, Any], Awaitable[None]]  # takes the button's record

# what a typed text or a sent file answers, by conversation step
STEPS: dict[str, Answer] = {
    Step.NAME: onboarding.got_name,
    Step.REPORT_STATUS: checkin.wrong_input,
    Step.REPORT_DONE: checkin.got_done_text,
    Step.REPORT_MONEY: checkin.got_money,
    Step.REPORT_MONEY_CONFIRM: checkin.wrong_input,
    Step.REPORT_QTY: checkin.got_qty,
    Step.REPORT_EVIDENCE: checkin.got_evidence,
    Step.REPORT_REASON_CATEGORY: checkin.wrong_input,
    Step.REPORT_REASON: checkin.got_reason,
    Step.REPORT_CONFIRM: checkin.wrong_input,
    Step.IMPORT: admin.got_import_file,
    Step.IMPORT_CONFIRM: admin.got_import_file,
    Step.NARRATIVE: admin.got_narrative,
    Step.LEAVE: leave.got_leave_text,
    Step.SIGNOFF_COMMENT: signoff.got_comment,
}

# what a button press does, by the record its data unpacks to (handlers/protocol.py)
BUTTONS: dict[type[protocol.Press], tuple[Pressed, Who]] = {
    protocol.ListPage: (checkin.pressed_list, Who.UNITS),
    protocol.Pick: (checkin.pressed_pick, Who.UNITS),
    protocol.SetStatus: (checkin.pressed_status, Who.UNITS),
    protocol.MoneyConfirm: (checkin.pressed_money_confirm, Who.UNITS),
    protocol.EvidenceDone: (checkin.pressed_evidence_done, Who.UNITS),
    protocol.Reason: (checkin.pressed_reason_category, Who.UNITS),
    protocol.Confirm: (checkin.pressed_confirm, Who.UNITS),
    protocol.Edit: (checkin.pressed_edit, Who.UNITS),
    protocol.Cancel: (checkin.pressed_cancel, Who.UNITS),
    protocol.Language: (common.pressed_lang, Who.EVERYONE),
    protocol.RoundAction: (admin.pressed_round, Who.ADMINS),
    protocol.RoundAnswer: (admin.pressed_round_answer, Who.ADMINS),
    protocol.ImportAnswer: (admin.pressed_import, Who.ADMINS),
    protocol.PublishAnswer: (publish.pressed_publish, Who.ADMINS),
    protocol.NarrativeField: (admin.pressed_narrative, Who.ADMINS),
    protocol.LeaveChoice: (leave.pressed_leave, Who.EVERYONE),
    protocol.SignoffAnswer: (signoff.pressed_signoff, Who.EVERYONE),  # the office's holder: checked by the handler
}
BY_PREFIX = {kind.prefix: kind for kind in BUTTONS}


class _StepRefused(Exception):
    """A step's UserError, carried out of the transaction so that all of it rolls back."""

    def __init__(self, error: UserError, org_id: int | None, person_id: int | None, refusals: list[str]):
        self.error, self.org_id, self.person_id, self.refusals = error, org_id, person_id, refusals


async def handle(db: Database, event: Incoming, settings: Settings, *, detach: bool = False) -> Response:
    """Handle one event exactly once; the Response is what to send back. ``detach``: the step's detached jobs
    are left in ``Response.pending`` for the adapter to run after the platform has its 200."""
    set_language(None)
    try:
        async with db.session() as session:
            if event.event_id and not await first_time(session, event.platform, event.event_id):
                UPDATES.labels(event.platform, "duplicate").inc()
                return Response()
            ctx = await _context(session, event, settings)
            try:
                await route(ctx)
                await _queue_deliveries(ctx)
            except UserError as e:
                org_id, person_id = (ctx.org.id if ctx.org else None), (ctx.person.id if ctx.person else None)
                raise _StepRefused(e, org_id, person_id, ctx.refusals) from e
            await ctx.write_refusals()
        UPDATES.labels(event.platform, "handled").inc()
        await _run(ctx, db, ctx.after)  # the step is committed; this work holds no transaction of it
        if ctx.detached:
            if detach:
                ctx.response.pending = lambda: _run(ctx, db, ctx.detached, current_language())
            else:
                await _run(ctx, db, ctx.detached)
        return ctx.response
    except _StepRefused as refused:
        return await _refused(db, event, refused)
    except IntegrityError as e:
        if event.event_id:  # the same event, handled concurrently by another worker (logged: never silent)
            log.warning("event %s %s not applied: %s", event.platform, event.event_id, type(e.orig).__name__)
            return Response()
        raise


async def _run(ctx: Ctx, db: Database, jobs: list, lang: str | None = None) -> None:
    """The jobs that follow a committed step. Run detached (after the platform's 200, ``lang`` given), a job
    that fails is logged and the person told to try again: nobody else would learn of it."""
    if lang is not None:
        set_language(lang)
    for job in jobs:
        try:
            await job(db)
        except UserError as e:
            ctx.say(str(e))
        except Exception as e:
            if lang is None:
                raise
            log.error("work after the reply failed: %s", type(e).__name__, exc_info=e)
            ctx.say(_("Sorry, something went wrong on our side. Please try again."))


async def _refused(db: Database, event: Incoming, refused: _StepRefused) -> Response:
    """The step wrote nothing (its transaction rolled back); mark the event handled, log refusals, say why.
    (Cheaper than a savepoint around every step: errors are rare, steps are not.)"""
    async with db.session() as session:
        if event.event_id and not await first_time(session, event.platform, event.event_id):
            return Response()
        if refused.org_id is not None:
            await write_refusals(
                session, refused.org_id, f"{event.platform}:{event.user_id}", refused.person_id, refused.refusals
            )
        if isinstance(refused.error, InviteRefused):
            await record_refused_invite(session, refused.error, event.platform, event.user_id)
    UPDATES.labels(event.platform, "handled").inc()
    text = str(refused.error)
    return Response(notice=clip(text, 190)).say(text)


async def _queue_deliveries(ctx: Ctx) -> None:
    """Messages to other chats go through the outbox (rate limits, retries, the send ledger)."""
    if not ctx.response.deliveries or ctx.org is None:
        return
    tag = f"{ctx.event.platform}-{ctx.event.event_id or uuid.uuid4().hex}".replace(":", "-")
    await queue_deliveries(ctx.session, ctx.org_id, ctx.response.deliveries, ctx.settings.data_dir, tag)


async def _context(session: AsyncSession, event: Incoming, settings: Settings) -> Ctx:
    """Who is writing, read in one query — account, person, organisation, conversation and every role — and what
    they act for today (an acting officer holds the office's role for the period)."""
    ctx = Ctx(session=session, event=event, settings=settings)
    rows = await who_is(session, event.platform, event.user_id, bangkok_today())
    if rows and event.org_id not in (None, rows[0][2].id):
        rows = []  # another organisation's account, come through this organisation's own channel: a stranger here
    if rows:
        ctx.account, ctx.person, ctx.org, conversation, ctx.has_drafts = rows[0][:5]
        held = [(role, unit_id) for *_entities, role, unit_id in rows if role is not None]
        if rows[0][5]:  # acts for a head or the ปลัด today
            acting = await acting_of(session, id_of(ctx.me), bangkok_today())
            held += [(Role.MANAGER if a.unit_id is None else Role.HEAD, a.unit_id) for a in acting]
        ctx.roles = Roles.of(held)
        if event.chat_type == "private":
            ctx.conversation = conversation or await conversation_of(session, ctx.account)
        set_language(ctx.me.lang)
    return ctx


async def route(ctx: Ctx) -> None:
    event = ctx.event
    command = event.command
    if ctx.person is None and not (command and command[0] in COMMANDS and COMMANDS[command[0]].strangers_ok):
        ctx.say(welcome_text(ctx))
        return
    if command:
        await _command(ctx, *command)
    elif event.data is not None:
        await _button(ctx, event.data)
    elif event.chat_type == "group":
        return  # group talk is not for the bot
    elif event.file is not None and Step.in_report(ctx.step) and ctx.step != Step.REPORT_EVIDENCE:
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
    command = COMMANDS.get(name)
    if command is None:
        ctx.say(_("I do not know the command /{name}. Type /help to see what I can do.").format(name=name[:30]))
        return
    if ctx.event.chat_type == "group" and not command.in_groups:
        ctx.say(_("Please use this command in a private chat with me."))
        return
    if ctx.person is not None and not allowed(ctx, command.who):
        await ctx.log_refusal(f"/{name}")
        ctx.say(_("Sorry, /{name} is not available to you. Type /help to see what you can do.").format(name=name))
        return
    if ctx.conversation is not None and not command.keeps_draft:
        ctx.finish()  # a new command abandons the half-done one
    await command.run(ctx, args)


async def _button(ctx: Ctx, data: str) -> None:
    prefix, _sep, value = data.partition(":")
    if prefix == protocol.RunCommand.prefix:
        name = value
        if name in COMMANDS and not (ctx.event.chat_type == "group" and not COMMANDS[name].in_groups):
            await _command(ctx, name, "")
        else:
            ctx.say(_("Please open a private chat with me and type /{name}.").format(name=name[:30]))
        return
    kind = BY_PREFIX.get(prefix)
    try:
        if kind is None or ctx.event.chat_type == "group":
            raise protocol.BadPress(data)
        press = kind.unpack(value)
    except protocol.BadPress:
        await ctx.log_refusal("button")
        raise UserError(_("This button is not valid. Type /help to see what I can do.")) from None
    fn, who = BUTTONS[kind]
    if not allowed(ctx, who):
        await ctx.log_refusal("button")
        ctx.say(_("Sorry, this is not available to you."))
        return
    await fn(ctx, press)
