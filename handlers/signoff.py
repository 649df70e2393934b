"""/signoff: the admin sets the organisation's chain of offices (ปลัด → นายก) and sends a closed round along it; each
office reads the round's summary and documents and presses เห็นชอบ/อนุมัติ or sends it back with a comment; the admin
may pass an office by, take a round back, or reopen an approved one — each with a reason, audited."""

from __future__ import annotations

import asyncio
import datetime as dt

from base.events import Attachment, Button, Delivery, Message
from base.settings import Settings
from base.values import BANGKOK, bangkok_today
from domain.signoff import OFFICE_WORDS, check_text, short_code, working_days_taken
from domain.vocabulary import Decision, Office, Role, SignoffState
from handlers.common import round_name
from handlers.context import Ctx
from handlers.manager import summary_text
from handlers.protocol import SignoffAnswer, Step
from handlers.reminders import queue_deliveries
from locales.errors import UserError
from locales.i18n import _, in_language
from locales.thai import format_date, format_datetime
from reports.model import build_report, carried_out_rule, executive_title
from reports.summary import round_summary
from storage.addresses import person_addresses, role_addresses
from storage.answers import Answers
from storage.db import AsyncSession
from storage.holidays import org_calendar
from storage.leave import person_named_first
from storage.models import Organisation, Person, Round, Signoff, id_of
from storage.repo import Rounds
from storage.signoff import (
    Signer,
    acting_palad,
    attach_documents,
    by_id,
    chain_of,
    decide,
    decisions,
    document_set_hash,
    end,
    latest,
    may_decide,
    send,
    set_chain,
    steps_of,
)

USAGE = (
    "/signoff 6|12 · /signoff chain ปลัด NAME; นายก NAME · /signoff skip 6 REASON · /signoff cancel 6 · "
    "/signoff reopen 6 REASON"
)


def office_title(office: Office, org: Organisation) -> str:
    """The office as the documents name it: ปลัดเทศบาลตำบล…, นายกเทศมนตรีตำบล…"""
    if office == Office.PALAD:
        return _("Permanent Secretary of {org}").format(org=org.name)
    return executive_title(org.name, org.kind)


async def signoff(ctx: Ctx, args: str = "") -> None:
    words = args.split()
    head = words[0].lower() if words else ""
    if not words:
        await _status(ctx)
        return
    if not ctx.roles.admin:
        raise UserError(
            _(
                "Only the administrator sends a round for sign-off or changes the chain. /signoff alone "
                "shows what waits for you."
            )
        )
    if head == "chain":
        await _chain(ctx, args.strip()[len(words[0]) :].strip())
    elif head in ("6", "12"):
        await _send(ctx, await _round(ctx, head))
    elif head in ("skip", "cancel", "reopen") and len(words) >= 2 and words[1] in ("6", "12"):
        rnd = await _round(ctx, words[1])
        reason = " ".join(words[2:])
        await {"skip": _skip, "cancel": _withdraw, "reopen": _reopen}[head](ctx, rnd, reason)
    else:
        raise UserError(_("Use: {usage}").format(usage=USAGE))


async def _round(ctx: Ctx, months: str) -> Round:
    repo = Rounds(ctx.session, ctx.org_id)
    rnd = await repo.get(await repo.fiscal_year(), int(months))
    if rnd is None:
        raise UserError(_("No {months}-month round in that fiscal year.").format(months=months))
    return rnd


def _reason(text: str, what: str) -> str:
    try:
        return check_text(text, what)
    except ValueError as e:
        raise UserError(str(e)) from None


# ------------------------------------------------------------------ the chain


async def _chain(ctx: Ctx, text: str) -> None:
    """``ปลัด สมปอง ใจดี; นายก สมชาย รักดี`` (one office per part, in order), or ``off``."""
    if text.lower() in OFF_WORDS:
        await set_chain(ctx.session, ctx.org_id, [], ctx.actor)
        ctx.say(_("The sign-off chain is off: rounds are published without the executives' approval in Tidtam."))
        return
    if text:
        await set_chain(ctx.session, ctx.org_id, await chain_from_text(ctx.session, ctx.org_id, text), ctx.actor)
    ctx.say(await chain_text(ctx.session, ctx.organisation))


OFF_WORDS = ("off", "ปิด", "ยกเลิก")


async def chain_from_text(session: AsyncSession, org_id: int, text: str) -> list[tuple[Office, Person]]:
    """The offices and people of ``ปลัด NAME; นายก NAME``, in order; one Thai refusal for a word that is not an
    office or a name nobody here has (the chat and the CLI read it alike)."""
    steps: list[tuple[Office, Person]] = []
    for part in [p.strip() for p in text.replace("\n", ";").split(";") if p.strip()][:10]:
        word, _sep, name = part.partition(" ")
        office = OFFICE_WORDS.get(word.lower())
        if office is None:
            raise UserError(_('"{word}" is not an office; write ปลัด or นายก before each name.').format(word=word[:30]))
        named = await person_named_first(session, org_id, name)
        if named is None or named[1]:
            raise UserError(
                _('No one here is named "{name}". They join with an invite first (/invite manager).').format(
                    name=name[:60]
                )
            )
        steps.append((office, named[0]))
    return steps


async def chain_text(session: AsyncSession, org: Organisation) -> str:
    chain = await chain_of(session, id_of(org))
    if not chain:
        return _("No sign-off chain is set. Set one: /signoff chain ปลัด NAME; นายก NAME")
    lines = [_("The sign-off chain, in order:")]
    lines += [f"{i}. {office_title(s.office, org)}: {p.display_name}" for i, (s, p) in enumerate(chain, 1)]
    lines.append(_("A closed round is sent along it with /signoff 6 or /signoff 12."))
    return "\n".join(lines)


# ------------------------------------------------------------------ sending


async def _send(ctx: Ctx, rnd: Round) -> None:
    row = await send(ctx.session, ctx.org_id, rnd, ctx.actor)
    signoff_id = id_of(row)
    ctx.say(_("{round} is sent for sign-off; the documents are being laid out…").format(round=round_name(rnd)))
    ctx.later(lambda db: _lay_out(ctx, db, signoff_id), detached=True)


async def _lay_out(ctx: Ctx, db, signoff_id: int) -> None:
    """The documents the offices read, written once and hashed; then the first office is asked."""
    from reports.export import export as write_all

    async with db.session(commit=False) as session:
        row = await by_id(session, ctx.org_id, signoff_id)
        rnd = await Answers(session, ctx.org_id).round_by_id(row.round_id) if row else None
        if row is None or rnd is None:
            raise UserError(_("This sign-off is no longer waiting for a decision."))
        report = await build_report(session, ctx.settings, ctx.organisation, rnd)
    folder = f"signoff/{ctx.org_id}/{signoff_id}"
    (ctx.settings.data_dir / folder).mkdir(parents=True, exist_ok=True)
    files = await asyncio.to_thread(write_all, report, ["xlsx", "pdf"], ctx.settings.data_dir / folder)
    doc_hash = document_set_hash(files)
    async with db.session() as session:
        row = await by_id(session, ctx.org_id, signoff_id)
        if row is None or row.state != SignoffState.PENDING:  # taken back while the documents were laid out
            return
        await attach_documents(session, row, folder, doc_hash, ctx.actor)
        name = await _ask_office(session, ctx, row)
    ctx.say(
        _("Sent to {name} ({office}). Document code {code}.").format(
            name=name, office=office_title(steps_of(row)[0].office, ctx.organisation), code=short_code(doc_hash)
        )
    )


async def _ask_office(session: AsyncSession, ctx: Ctx, row: Signoff) -> str:
    """Queue the waiting office's question with the documents; returns the holder's name."""
    deliveries, name = await office_deliveries(session, ctx.settings, ctx.organisation, row, today=bangkok_today())
    await queue_deliveries(session, ctx.org_id, deliveries, ctx.settings.data_dir, f"so{row.id}-p{row.position}")
    return name


async def office_deliveries(
    session: AsyncSession, settings: Settings, org: Organisation, row: Signoff, *, today: dt.date, waited: int = 0
) -> tuple[list[Delivery], str]:
    """The waiting office's question (the round's summary and the two buttons) to its holder and to whoever acts
    for the ปลัด today — with the documents, or (``waited``: working days it has waited) as a reminder without
    them. Returns the messages and the holder's name."""
    step = steps_of(row)[row.position]
    holder = await session.get(Person, step.person_id)
    people = [holder] if holder else []
    if step.office == Office.PALAD:
        people += [p for i in await acting_palad(session, id_of(org), today) if (p := await session.get(Person, i))]
    rnd = await Answers(session, id_of(org)).round_by_id(row.round_id)
    assert rnd is not None
    summary = await round_summary(session, id_of(org), rnd, carried_out_rule=carried_out_rule(settings))
    files = [] if waited else sorted((settings.data_dir / row.folder).iterdir())
    deliveries: list[Delivery] = []
    for person in {id_of(p): p for p in people}.values():
        for address in await person_addresses(session, person):
            with in_language(address.lang):
                question = _question(org, row, step.office, rnd, summary, waited)
            deliveries.append(Delivery(address.platform, address.chat_id, question, scope=f"so{row.id}"))
            deliveries += [
                Delivery(
                    address.platform,
                    address.chat_id,
                    Message("", attachment=Attachment("document", f, f.name)),
                    scope=f"so{row.id}",
                )
                for f in files
            ]
    return deliveries, holder.display_name if holder else "-"


def _question(org: Organisation, row: Signoff, office: Office, rnd: Round, summary, waited: int = 0) -> Message:
    approve = _("Agree (เห็นชอบ)") if office == Office.PALAD else _("Approve (อนุมัติ)")
    lines = [
        _("{org} asks for your sign-off as {office}: the report of {round}, fiscal year {year}.").format(
            org=org.name,
            office=office_title(office, org),
            round=round_name(rnd),
            year=summary.fiscal_year.year_be,
        ),
        _("Document code {code}; the documents follow this message.").format(code=short_code(row.doc_hash))
        if not waited
        else _("Document code {code}; the documents were sent on {date}.").format(
            code=short_code(row.doc_hash), date=format_datetime(row.step_since)
        ),
        "",
        summary_text(summary),
    ]
    if waited:
        lines.insert(0, _("Reminder: this has waited {n} working day(s) for your decision.").format(n=waited))
    sid = id_of(row)
    return Message(
        "\n".join(lines),
        [
            [Button(approve, SignoffAnswer(sid, row.position, "a").pack())],
            [Button(_("Send back with a comment"), SignoffAnswer(sid, row.position, "r").pack())],
        ],
    )


# ------------------------------------------------------------------ deciding


async def pressed_signoff(ctx: Ctx, press: SignoffAnswer) -> None:
    row = await by_id(ctx.session, ctx.org_id, press.signoff)
    if row is None or row.state != SignoffState.PENDING or row.position != press.position:
        ctx.say(_("This sign-off is no longer waiting for a decision."), edit=True)
        return
    acting = await may_decide(ctx.session, row, ctx.me.id or 0, bangkok_today())
    if acting is None:
        await ctx.log_refusal("signoff")
        ctx.say(_("Sorry, this is not available to you."))
        return
    if press.answer == "r":
        ctx.goto(Step.SIGNOFF_COMMENT, signoff=press.signoff, position=press.position)
        ctx.say(_("Type your comment for the administrator (what should be fixed); it goes back with the round."))
        return
    if press.answer != "a":
        raise UserError(_("This button is not valid."))
    await _decide(ctx, row, Decision.APPROVE, "", acting)


async def got_comment(ctx: Ctx) -> None:
    """The comment a round is sent back with."""
    row = await by_id(ctx.session, ctx.org_id, int(ctx.data.get("signoff", 0)))
    position = ctx.data.get("position")
    ctx.finish()
    if row is None or row.state != SignoffState.PENDING or row.position != position:
        ctx.say(_("This sign-off is no longer waiting for a decision."))
        return
    acting = await may_decide(ctx.session, row, ctx.me.id or 0, bangkok_today())
    if acting is None:
        ctx.say(_("Sorry, this is not available to you."))
        return
    comment = _reason(ctx.event.text or "", _("a comment"))
    await _decide(ctx, row, Decision.RETURN, comment, acting)


async def _decide(ctx: Ctx, row: Signoff, decision: Decision, comment: str, acting: bool) -> None:
    office = steps_of(row)[row.position].office
    title = office_title(office, ctx.organisation)
    if acting:
        title = _("acting for the {office}").format(office=title)
    signer = Signer(ctx.me, title, ctx.event.platform, ctx.event.user_id)
    made = await decide(ctx.session, row, decision, signer, comment, ctx.actor)
    rnd = await Answers(ctx.session, ctx.org_id).round_by_id(row.round_id)
    assert rnd is not None
    if decision == Decision.RETURN:
        ctx.say(_("Sent back to the administrator with your comment."), edit=True)
        await _tell_admins(
            ctx,
            _(
                "{name} ({office}) sent {round} back: “{comment}”. Fix what is asked (reopen the round with "
                "/round open {months} if answers must change, then close it) and send it again with /signoff {months}."
            ).format(name=ctx.me.display_name, office=title, round=round_name(rnd), comment=comment, months=rnd.months),
        )
        return
    ctx.say(
        _("Recorded: {decision} by {name}, {title}, {when}. Document code {code}.").format(
            decision=_("agreed") if office == Office.PALAD else _("approved"),
            name=ctx.me.display_name,
            title=title,
            when=format_datetime(made.at),
            code=short_code(made.doc_hash),
        ),
        edit=True,
    )
    await _moved_on(ctx, row, rnd)


async def _moved_on(ctx: Ctx, row: Signoff, rnd: Round) -> None:
    """After an office agreed or was passed by: ask the next one, or tell the admins the round is approved."""
    if row.state == SignoffState.PENDING:
        await _ask_office(ctx.session, ctx, row)
        return
    taken = working_days_taken(row.closed_on, bangkok_today(), await org_calendar(ctx.session, ctx.org_id))
    await _tell_admins(
        ctx,
        _(
            "{round} is approved ({days} working days after it closed). /export gives the approved documents; "
            "/publish round {months} publishes it."
        ).format(round=round_name(rnd), days=taken, months=rnd.months),
    )


async def _tell_admins(ctx: Ctx, text: str) -> None:
    for address in await role_addresses(ctx.session, ctx.org_id, Role.ADMIN):
        ctx.response.deliveries.append(Delivery(address.platform, address.chat_id, Message(text)))


# ------------------------------------------------------------------ the admin's overrides


async def _skip(ctx: Ctx, rnd: Round, reason: str) -> None:
    row = await latest(ctx.session, ctx.org_id, id_of(rnd))
    if row is None or row.state != SignoffState.PENDING:
        raise UserError(_("This round is not waiting for sign-off."))
    reason = _reason(reason, _("the reason the office is passed by"))
    office = steps_of(row)[row.position].office
    signer = Signer(None, _("passed by the administrator"), ctx.event.platform, ctx.event.user_id)
    await decide(ctx.session, row, Decision.SKIP, signer, reason, ctx.actor)
    ctx.say(_("{office} is passed by: {reason}").format(office=office_title(office, ctx.organisation), reason=reason))
    await _moved_on(ctx, row, rnd)


async def _withdraw(ctx: Ctx, rnd: Round, reason: str) -> None:
    row = await latest(ctx.session, ctx.org_id, id_of(rnd))
    if row is None or row.state != SignoffState.PENDING:
        raise UserError(_("This round is not waiting for sign-off."))
    await end(ctx.session, row, SignoffState.WITHDRAWN, reason[:1000], ctx.actor)
    ctx.say(_("{round} is taken back from sign-off; its answers may change again.").format(round=round_name(rnd)))


async def _reopen(ctx: Ctx, rnd: Round, reason: str) -> None:
    row = await latest(ctx.session, ctx.org_id, id_of(rnd))
    if row is None or row.state != SignoffState.APPROVED:
        raise UserError(_("This round has not been approved; nothing to reopen."))
    reason = _reason(reason, _("the reason the approval is reopened"))
    await end(ctx.session, row, SignoffState.REOPENED, reason, ctx.actor)
    ctx.say(
        _(
            "The approval of {round} is reopened: {reason}. Open the round with /round open {months} for the change; "
            "changed answers are marked “แก้ไขหลังอนุมัติ”, and the round must be approved again (/signoff {months}) "
            "before it is published again."
        ).format(round=round_name(rnd), reason=reason, months=rnd.months)
    )


# ------------------------------------------------------------------ where it stands


async def _status(ctx: Ctx) -> None:
    rnd = await Answers(ctx.session, ctx.org_id).current_round()
    row = await latest(ctx.session, ctx.org_id, id_of(rnd)) if rnd else None
    if not ctx.roles.admin:
        if (
            row is None
            or row.state != SignoffState.PENDING
            or await may_decide(ctx.session, row, ctx.me.id or 0, bangkok_today()) is None
        ):
            ctx.say(_("Nothing waits for your sign-off."))
            return
        assert rnd is not None
        await _ask_office(ctx.session, ctx, row)
        ctx.say(_("{round} waits for your decision; it is sent to you again.").format(round=round_name(rnd)))
        return
    lines = [await chain_text(ctx.session, ctx.organisation)]
    if rnd is not None:
        lines += ["", await state_text(ctx.session, ctx.organisation, rnd, row)]
    ctx.say("\n".join(lines))


async def state_text(session: AsyncSession, org: Organisation, rnd: Round, row: Signoff | None) -> str:
    """Where a round's sign-off stands, with its decisions and (approved) its time to approval."""
    if row is None:
        return _("{round}: not sent for sign-off.").format(round=round_name(rnd))
    lines = [
        _("{round}: {state}, sent {when}.").format(
            round=round_name(rnd), state=state_label(row.state), when=format_datetime(row.sent_at)
        )
    ]
    for d in await decisions(session, row):
        lines.append(
            f"• {decision_label(d.decision, d.office)} · {d.name or '-'} · {d.title} · {format_datetime(d.at)}"
            + (f" · “{d.comment}”" if d.comment else "")
        )
    if row.state == SignoffState.PENDING and row.doc_hash:
        step = steps_of(row)[row.position]
        lines.append(
            _("Waiting for {office} since {when}.").format(
                office=office_title(step.office, org), when=format_datetime(row.step_since)
            )
        )
    if row.state == SignoffState.APPROVED and row.ended_at:
        day = row.ended_at.astimezone(BANGKOK).date()
        taken = working_days_taken(row.closed_on, day, await org_calendar(session, id_of(org)))
        lines.append(
            _("Closed {closed}; approved {approved}: {days} working days.").format(
                closed=format_date(row.closed_on, thai_digits=False),
                approved=format_date(day, thai_digits=False),
                days=taken,
            )
        )
        lines.append(_("Document code {code}").format(code=short_code(row.doc_hash)))
    return "\n".join(lines)


def state_label(state: SignoffState) -> str:
    return {
        SignoffState.PENDING: _("waiting for sign-off"),
        SignoffState.RETURNED: _("sent back"),
        SignoffState.APPROVED: _("approved"),
        SignoffState.WITHDRAWN: _("taken back by the administrator"),
        SignoffState.REOPENED: _("approval reopened"),
    }[state]


def decision_label(decision: Decision, office: Office) -> str:
    if decision == Decision.APPROVE:
        return _("agreed") if office == Office.PALAD else _("approved")
    return _("sent back") if decision == Decision.RETURN else _("passed by")
