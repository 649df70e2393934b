"""/signoff: the admin sets the organisation's chain of offices (ปลัด → นายก) and sends a closed round — or the year's
plan — along it; each office reads the summary and the documents and presses เห็นชอบ/อนุมัติ or sends it back with a
comment; the admin may pass an office by, take it back, or reopen an approved round — each with a reason, audited."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from base.events import Attachment, Button, Delivery, Message
from base.settings import Settings
from base.values import BANGKOK, bangkok_today
from domain.signoff import OFFICE_WORDS, check_text, short_code, working_days_taken
from domain.vocabulary import Decision, Office, Role, SignoffState
from handlers.common import round_name
from handlers.context import Ctx
from handlers.manager import summary_text
from handlers.protocol import SignoffAnswer, Step
from handlers.publish import write_plan
from handlers.reminders import queue_deliveries
from locales.errors import UserError
from locales.i18n import _, in_language
from locales.thai import format_date, format_datetime
from reports.model import build_report, carried_out_rule, executive_title
from reports.public import plan_documents, plan_figures, write_files
from reports.summary import round_summary
from storage.addresses import person_addresses, role_addresses
from storage.answers import Answers
from storage.db import AsyncSession
from storage.holidays import org_calendar
from storage.leave import person_named_first
from storage.models import FiscalYear, Organisation, Person, Round, Signoff, id_of
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
    latest_plan,
    may_decide,
    send,
    send_plan,
    set_chain,
    steps_of,
)

USAGE = (
    "/signoff 6|12|plan · /signoff chain ปลัด NAME; นายก NAME · /signoff skip 6|plan REASON · /signoff cancel 6|plan · "
    "/signoff reopen 6 REASON"
)
SUBJECT_WORDS = ("6", "12", "plan")


@dataclass(frozen=True)
class Subject:
    """What a sign-off is about: a round, or (no round) the fiscal year's plan."""

    fy: FiscalYear
    rnd: Round | None = None

    @property
    def name(self) -> str:
        if self.rnd is not None:
            return round_name(self.rnd)
        return _("the plan of fiscal year {year}").format(year=self.fy.year_be)

    @property
    def word(self) -> str:
        """What follows /signoff to name it."""
        return str(self.rnd.months) if self.rnd is not None else "plan"


async def subject_of(session: AsyncSession, org_id: int, row: Signoff) -> Subject:
    fy = await session.get(FiscalYear, row.fiscal_year_id)
    rnd = await Answers(session, org_id).round_by_id(row.round_id) if row.round_id is not None else None
    if fy is None or fy.org_id != org_id or (row.round_id is not None and rnd is None):
        raise UserError(_("This sign-off is no longer waiting for a decision."))
    return Subject(fy, rnd)


async def latest_of(session: AsyncSession, org_id: int, subject: Subject) -> Signoff | None:
    if subject.rnd is not None:
        return await latest(session, org_id, id_of(subject.rnd))
    return await latest_plan(session, org_id, id_of(subject.fy))


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
    elif head in SUBJECT_WORDS:
        await _send(ctx, await _subject(ctx, head))
    elif head in ("skip", "cancel", "reopen") and len(words) >= 2 and words[1].lower() in SUBJECT_WORDS:
        subject = await _subject(ctx, words[1].lower())
        reason = " ".join(words[2:])
        await {"skip": _skip, "cancel": _withdraw, "reopen": _reopen}[head](ctx, subject, reason)
    else:
        raise UserError(_("Use: {usage}").format(usage=USAGE))


async def _subject(ctx: Ctx, word: str) -> Subject:
    """6 or 12: that round of the current fiscal year; plan: the current fiscal year's plan."""
    repo = Rounds(ctx.session, ctx.org_id)
    fy = await repo.fiscal_year()
    if word == "plan":
        return Subject(fy)
    rnd = await repo.get(fy, int(word))
    if rnd is None:
        raise UserError(_("No {months}-month round in that fiscal year.").format(months=word))
    return Subject(fy, rnd)


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


async def _send(ctx: Ctx, subject: Subject) -> None:
    if subject.rnd is not None:
        row = await send(ctx.session, ctx.org_id, subject.rnd, ctx.actor)
    else:
        row = await send_plan(ctx.session, ctx.org_id, subject.fy, ctx.actor, bangkok_today())
    signoff_id = id_of(row)
    ctx.say(_("{round} is sent for sign-off; the documents are being laid out…").format(round=subject.name))
    ctx.later(lambda db: _lay_out(ctx, db, signoff_id), detached=True)


async def _lay_out(ctx: Ctx, db, signoff_id: int) -> None:
    """The documents the offices read, written once and hashed; then the first office is asked."""
    from reports.export import export as write_all

    folder = f"signoff/{ctx.org_id}/{signoff_id}"
    path = ctx.settings.data_dir / folder
    path.mkdir(parents=True, exist_ok=True)
    async with db.session(commit=False) as session:
        row = await by_id(session, ctx.org_id, signoff_id)
        if row is None:
            raise UserError(_("This sign-off is no longer waiting for a decision."))
        subject = await subject_of(session, ctx.org_id, row)
        if subject.rnd is not None:
            report = await build_report(session, ctx.settings, ctx.organisation, subject.rnd)
        else:
            jobs = await plan_documents(session, ctx.settings, ctx.organisation, subject.fy, path)
    if subject.rnd is not None:
        files = await asyncio.to_thread(write_all, report, ["xlsx", "pdf"], path)
    else:
        await write_files(jobs)
        files = [p for p, _writer in jobs]
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
    subject = await subject_of(session, id_of(org), row)
    if subject.rnd is not None:
        summary = await round_summary(session, id_of(org), subject.rnd, carried_out_rule=carried_out_rule(settings))
        about = summary_text(summary)
    else:
        about = await plan_figures(session, id_of(org), subject.fy)
    files = [] if waited else sorted((settings.data_dir / row.folder).iterdir())
    deliveries: list[Delivery] = []
    for person in {id_of(p): p for p in people}.values():
        for address in await person_addresses(session, person):
            with in_language(address.lang):
                question = _question(org, row, step.office, subject, about, waited)
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


def _question(
    org: Organisation, row: Signoff, office: Office, subject: Subject, about: str, waited: int = 0
) -> Message:
    approve = _("Agree (เห็นชอบ)") if office == Office.PALAD else _("Approve (อนุมัติ)")
    if office == Office.PALAD:  # the ปลัด gives an opinion (เห็นชอบ); the นายก approves (อนุมัติ)
        asks = (
            _("{org} asks for your sign-off as {office}: the report of {round}, fiscal year {year}.")
            if subject.rnd is not None
            else _("{org} asks for your sign-off as {office}: the anti-corruption action plan of fiscal year {year}.")
        )
    else:
        asks = (
            _("{org} asks for your approval as {office}: the report of {round}, fiscal year {year}.")
            if subject.rnd is not None
            else _("{org} asks for your approval as {office}: the anti-corruption action plan of fiscal year {year}.")
        )
    lines = [
        asks.format(org=org.name, office=office_title(office, org), round=subject.name, year=subject.fy.year_be),
        _("Document code {code}; the documents follow this message.").format(code=short_code(row.doc_hash))
        if not waited
        else _("Document code {code}; the documents were sent on {date}.").format(
            code=short_code(row.doc_hash), date=format_datetime(row.step_since)
        ),
        "",
        about,
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
    comment = check_text(ctx.event.text or "", _("a comment"))
    await _decide(ctx, row, Decision.RETURN, comment, acting)


async def _decide(ctx: Ctx, row: Signoff, decision: Decision, comment: str, acting: bool) -> None:
    office = steps_of(row)[row.position].office
    title = office_title(office, ctx.organisation)
    if acting:
        title = _("acting for the {office}").format(office=title)
    signer = Signer(ctx.me, title, ctx.event.platform, ctx.event.user_id)
    made = await decide(ctx.session, row, decision, signer, comment, ctx.actor)
    subject = await subject_of(ctx.session, ctx.org_id, row)
    if decision == Decision.RETURN:
        ctx.say(_("Sent back to the administrator with your comment."), edit=True)
        fix = (
            _(
                "{name} ({office}) sent {round} back: “{comment}”. Fix what is asked (reopen the round with "
                "/round open {months} if answers must change, then close it) and send it again with /signoff {months}."
            )
            if subject.rnd is not None
            else _(
                "{name} ({office}) sent {round} back: “{comment}”. Fix the plan (/import) and send it again with "
                "/signoff plan."
            )
        )
        await _tell_admins(
            ctx,
            fix.format(
                name=ctx.me.display_name, office=title, round=subject.name, comment=comment, months=subject.word
            ),
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
    await _moved_on(ctx, row, subject)


async def _moved_on(ctx: Ctx, row: Signoff, subject: Subject) -> None:
    """After an office agreed or was passed by: ask the next one, or tell the admins it is approved."""
    if row.state == SignoffState.PENDING:
        await _ask_office(ctx.session, ctx, row)
        return
    taken = working_days_taken(row.closed_on, bangkok_today(), await org_calendar(ctx.session, ctx.org_id))
    if subject.rnd is None:  # the plan's approval is on its public page (and in its files) at once
        ctx.later(lambda db: write_plan(ctx, db), detached=True)
        text = _("{round} is approved ({days} working days after it was sent); the public plan page says so.")
    else:
        text = _(
            "{round} is approved ({days} working days after it closed). /export gives the approved documents; "
            "/publish round {months} publishes it."
        )
    await _tell_admins(ctx, text.format(round=subject.name, days=taken, months=subject.word))


async def _tell_admins(ctx: Ctx, text: str) -> None:
    for address in await role_addresses(ctx.session, ctx.org_id, Role.ADMIN):
        ctx.response.deliveries.append(Delivery(address.platform, address.chat_id, Message(text)))


# ------------------------------------------------------------------ the admin's overrides


async def _skip(ctx: Ctx, subject: Subject, reason: str) -> None:
    row = await latest_of(ctx.session, ctx.org_id, subject)
    if row is None or row.state != SignoffState.PENDING:
        raise UserError(_("{round} is not waiting for sign-off.").format(round=subject.name))
    reason = check_text(reason, _("the reason the office is passed by"))
    office = steps_of(row)[row.position].office
    signer = Signer(None, _("passed by the administrator"), ctx.event.platform, ctx.event.user_id)
    await decide(ctx.session, row, Decision.SKIP, signer, reason, ctx.actor)
    ctx.say(_("{office} is passed by: {reason}").format(office=office_title(office, ctx.organisation), reason=reason))
    await _moved_on(ctx, row, subject)


async def _withdraw(ctx: Ctx, subject: Subject, reason: str) -> None:
    row = await latest_of(ctx.session, ctx.org_id, subject)
    if row is None or row.state != SignoffState.PENDING:
        raise UserError(_("{round} is not waiting for sign-off.").format(round=subject.name))
    await end(ctx.session, row, SignoffState.WITHDRAWN, reason[:1000], ctx.actor)
    ctx.say(
        (
            _("{round} is taken back from sign-off; its answers may change again.")
            if subject.rnd is not None
            else _("{round} is taken back from sign-off.")
        ).format(round=subject.name)
    )


async def _reopen(ctx: Ctx, subject: Subject, reason: str) -> None:
    if subject.rnd is None:
        raise UserError(_("A plan's approval is not reopened: send the revised plan again with /signoff plan."))
    rnd = subject.rnd
    row = await latest_of(ctx.session, ctx.org_id, subject)
    if row is None or row.state != SignoffState.APPROVED:
        raise UserError(_("This round has not been approved; nothing to reopen."))
    reason = check_text(reason, _("the reason the approval is reopened"))
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
    """The admin: the chain, and where the year's plan and the current round stand. An office holder: what waits
    for them, sent again."""
    rnd = await Answers(ctx.session, ctx.org_id).current_round()
    fy = await Rounds(ctx.session, ctx.org_id).fiscal_year()
    subjects = [Subject(fy)] + ([Subject(fy, rnd)] if rnd is not None else [])
    rows = [(s, await latest_of(ctx.session, ctx.org_id, s)) for s in subjects]
    if not ctx.roles.admin:
        today, waiting = bangkok_today(), []
        for subject, row in rows:
            if row is not None and row.state == SignoffState.PENDING and row.doc_hash:
                if await may_decide(ctx.session, row, ctx.me.id or 0, today) is not None:
                    await _ask_office(ctx.session, ctx, row)
                    waiting.append(subject.name)
        ctx.say(
            _("{round} waits for your decision; it is sent to you again.").format(round=", ".join(waiting))
            if waiting
            else _("Nothing waits for your sign-off.")
        )
        return
    lines = [await chain_text(ctx.session, ctx.organisation)]
    for subject, row in rows:
        lines += ["", await state_text(ctx.session, ctx.organisation, subject, row)]
    ctx.say("\n".join(lines))


async def state_text(session: AsyncSession, org: Organisation, subject: Subject, row: Signoff | None) -> str:
    """Where a sign-off stands, with its decisions and (approved) its time to approval."""
    name = subject.name
    if row is None:
        return _("{round}: not sent for sign-off.").format(round=name)
    lines = [
        _("{round}: {state}, sent {when}.").format(
            round=name, state=state_label(row.state), when=format_datetime(row.sent_at)
        )
    ]
    for d in await decisions(session, row):
        lines.append(
            f"• {decision_label(d.decision, d.office)} · {d.name or '-'} · {d.title} · {format_datetime(d.at)}"
            + (f" · “{d.comment}”" if d.comment else "")
        )
    if row.state == SignoffState.PENDING and not row.doc_hash:
        lines.append(
            _(
                "Its documents are being laid out; if this lasts, take it back with /signoff cancel {months} and send "
                "it again."
            ).format(months=subject.word)
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
            (
                _("Closed {closed}; approved {approved}: {days} working days.")
                if subject.rnd is not None
                else _("Sent {closed}; approved {approved}: {days} working days.")
            ).format(
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
