"""/leave and /acting: a person records that they are away (today, to Friday, or days typed in Thai), a head or
admin does it for a member, and names who acts for a head or the ปลัด (รักษาราชการแทน); reminders then pass by who
is away and reach who acts (storage/addresses.py)."""

from __future__ import annotations

import datetime as dt
import re

from base.events import Button
from base.values import bangkok_today
from domain.leave import until_friday
from domain.names import near_miss
from domain.vocabulary import LeaveKind
from handlers.context import Ctx, token
from handlers.protocol import LeaveChoice, Step
from locales.errors import ParseError, UserError
from locales.i18n import _
from locales.labels import acting_title, office_title
from locales.thai import format_date, parse_day_range
from storage.acting import acting_table, end_acting, record_acting
from storage.leave import cancel_leave, leaves_of, person_named_first, record_leave
from storage.models import Person, Unit, id_of
from storage.people import person_names, roles_of
from storage.repo import Units

KIND_WORDS = {  # what a person may add after the dates; only "on leave" is ever shown to others
    LeaveKind.SICK: ("ลาป่วย", "ป่วย", "sick"),
    LeaveKind.OFFICIAL: ("ไปราชการ", "ราชการ", "อบรม", "official"),
    LeaveKind.VACATION: ("ลาพักผ่อน", "พักผ่อน", "vacation"),
    LeaveKind.OTHER: ("ลากิจ", "ลา", "other"),
}
CANCEL_WORDS = ("ยกเลิก", "กลับมาแล้ว", "cancel", "back")


def kind_in(text: str) -> tuple[LeaveKind, str]:
    """The kind of leave named in ``text`` and the text without it."""
    for kind, words in KIND_WORDS.items():
        for word in words:
            if re.search(rf"(^|\s){re.escape(word)}$", text.strip(), re.IGNORECASE):
                return kind, text.strip()[: -len(word)].strip()
    return LeaveKind.OTHER, text.strip()


def period_text(start: dt.date, end: dt.date) -> str:
    if start == end:
        return format_date(start, thai_digits=False, abbr=True)
    return f"{format_date(start, thai_digits=False, abbr=True)} – {format_date(end, thai_digits=False, abbr=True)}"


async def leave(ctx: Ctx, args: str = "") -> None:
    """Records, shows or cancels leave: one's own, or (heads and admins) a member's named first."""
    text = args.strip()
    if not text:
        await _offer(ctx)
        return
    named = await person_named_first(ctx.session, ctx.org_id, text)
    if named is not None and named[0].id != ctx.me.id:
        person, rest = named
        await _may_act_for(ctx, person)
    else:
        person, rest = ctx.me, named[1] if named else text
    if rest.lower() in CANCEL_WORDS:
        await _cancel(ctx, person)
        return
    await _record(ctx, person, rest)


async def _may_act_for(ctx: Ctx, person: Person) -> None:
    if ctx.roles.admin or ctx.roles.manager:  # the ปลัด heads every unit's staff
        return
    theirs = (await roles_of(ctx.session, person)).unit_ids
    if not any(ctx.roles.heads(u) for u in theirs):
        raise UserError(_("Only the administrator, the ปลัด, or the head of their unit records leave for someone else."))


def period_of(dates: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days typed: "วันนี้", "ถึงวันศุกร์", "ถึง 20 ธ.ค." (from today), or dates in Thai
    (locales.thai.parse_day_range)."""
    words = dates.replace(" ", "").lower()
    if words in ("วันนี้", "today"):
        return today, today
    if words in ("ถึงวันศุกร์", "ถึงศุกร์", "untilfriday"):
        return until_friday(today)
    if m := re.fullmatch(r"(?:ถึง|until)\s*(.+)", dates.strip(), re.IGNORECASE):
        return today, parse_day_range(m[1], today)[1]
    return parse_day_range(dates, today)


async def _record(ctx: Ctx, person: Person, text: str) -> None:
    kind, dates = kind_in(text)
    try:
        period = period_of(dates, bangkok_today())
    except ParseError as e:
        first = dates.split()[0] if dates.split() else ""
        if guess := await _name_meant(ctx, first):
            raise UserError(
                _('No one here is named "{name}"; did you mean {guess}?').format(name=first[:40], guess=guess)
            ) from None
        raise UserError(
            _("{problem} Type the days, for example /leave 10–20 ธ.ค. or /leave 15 ธ.ค. ลาป่วย").format(problem=e)
        ) from None
    await record_leave(ctx.session, ctx.org_id, person, period, kind, ctx.actor, bangkok_today())
    ctx.finish()
    ctx.say(_recorded(ctx, person, period))


async def _name_meant(ctx: Ctx, word: str) -> str | None:
    """The person a mistyped first name most likely means (the text did not read as days)."""
    if not word or any(c.isdigit() for c in word):
        return None
    names = {n.split()[0]: n for n in await person_names(ctx.session, ctx.org_id) if n.split()}
    meant = near_miss(word, names)
    return names[meant] if meant else None


def _recorded(ctx: Ctx, person: Person, period: tuple[dt.date, dt.date]) -> str:
    mine = person.id == ctx.me.id
    return _(
        "Leave recorded for {who}: {period}. Until then Tidtam sends {who} no reminder; the unit's reminders go "
        "to whoever is present. To cancel: /leave {cancel}"
    ).format(
        who=_("you") if mine else person.display_name,
        period=period_text(*period),
        cancel=("" if mine else f"{person.display_name} ") + "ยกเลิก",
    )


async def _cancel(ctx: Ctx, person: Person) -> None:
    n = await cancel_leave(ctx.session, ctx.org_id, id_of(person), bangkok_today(), ctx.actor)
    ctx.finish()
    who = _("you") if person.id == ctx.me.id else person.display_name
    ctx.say(
        _("Leave cancelled for {who}: reminders reach {who} again from today.").format(who=who)
        if n
        else _("No leave is recorded for {who} from today on.").format(who=who)
    )


async def _offer(ctx: Ctx) -> None:
    today = bangkok_today()
    mine = await leaves_of(ctx.session, ctx.org_id, id_of(ctx.me), today)
    tk = token()
    ctx.goto(Step.LEAVE, tk=tk)
    lines = []
    if mine:
        periods = ", ".join(period_text(r.starts_on, r.ends_on) for r in mine)
        lines.append(_("Your leave recorded: {periods}").format(periods=periods))
    lines.append(
        _("When are you away? Choose, or type the days (for example 10–20 ธ.ค.; add ลาป่วย or ไปราชการ if you wish).")
    )
    buttons = [
        [Button(_("Today"), LeaveChoice(tk, "t").pack()), Button(_("Until Friday"), LeaveChoice(tk, "f").pack())],
    ]
    if mine:
        buttons.append([Button(_("Cancel my leave"), LeaveChoice(tk, "x").pack())])
    ctx.say("\n".join(lines), buttons)


async def pressed_leave(ctx: Ctx, press: LeaveChoice) -> None:
    if ctx.step != Step.LEAVE or ctx.data.get("tk") != press.tk:
        ctx.say(_("This button belongs to an earlier question. Send /leave again."), edit=True)
        return
    if press.choice == "x":
        await _cancel(ctx, ctx.me)
        return
    if press.choice not in ("t", "f"):
        raise UserError(_("This button is not valid."))
    today = bangkok_today()
    period = (today, today) if press.choice == "t" else until_friday(today)
    await record_leave(ctx.session, ctx.org_id, ctx.me, period, LeaveKind.OTHER, ctx.actor, today)
    ctx.finish()
    ctx.say(_recorded(ctx, ctx.me, period), edit=True)


async def got_leave_text(ctx: Ctx) -> None:
    """The days typed after /leave asked for them."""
    text = (ctx.event.text or "").strip()
    if text.lower() in CANCEL_WORDS:
        await _cancel(ctx, ctx.me)
        return
    await _record(ctx, ctx.me, text[:100])


# ---------------------------------------------------------------- acting officers

PALAD_WORDS = ("ปลัด", "palad", "clerk")


async def acting(ctx: Ctx, args: str = "") -> None:
    """Names who acts for a unit's head or for the ปลัด over a period, lists them, or ends one."""
    text = " ".join(args.split())
    today = bangkok_today()
    if not text:
        await _acting_list(ctx, today)
        return
    unit, rest = await _office_named_first(ctx, text)
    if not (ctx.roles.admin or (ctx.roles.manager if unit is None else ctx.roles.heads(id_of(unit)))):
        raise UserError(_("Only the administrator, or the holder of that office, names who acts for it."))
    unit_id = None if unit is None else id_of(unit)
    office = office_title(None if unit is None else unit.name)
    if rest.lower() in CANCEL_WORDS:
        n = await end_acting(ctx.session, ctx.org_id, unit_id, today, ctx.actor)
        ctx.say(
            _("Nobody acts for {office} from today.").format(office=office)
            if n
            else _("Nobody was recorded as acting for {office}.").format(office=office)
        )
        return
    named = await person_named_first(ctx.session, ctx.org_id, rest)
    if named is None:
        first = rest.split()[0] if rest.split() else ""
        guess = await _name_meant(ctx, first)
        raise UserError(
            _('No one here is named "{name}"; did you mean {guess}?').format(name=first[:40], guess=guess)
            if guess
            else _("Say who acts and until when, for example /acting กองคลัง สมชาย ใจดี ถึง 20 ธ.ค.")
        )
    person, dates = named
    try:
        period = period_of(dates or "วันนี้", today)
    except ParseError as e:
        raise UserError(_("{problem} For example /acting กองคลัง สมชาย ใจดี ถึง 20 ธ.ค.").format(problem=e)) from None
    await record_acting(ctx.session, ctx.org_id, person, unit_id, period, ctx.actor, today)
    ctx.say(
        _(
            "{name} is recorded as {title}, {period}: the reminders, escalations and digest of that office reach them "
            "for the period. To end it: /acting {office_word} ยกเลิก"
        ).format(
            name=person.display_name,
            title=acting_title(None if unit is None else unit.name),
            period=period_text(*period),
            office_word="ปลัด" if unit is None else unit.name,
        )
    )


async def _office_named_first(ctx: Ctx, text: str) -> tuple[Unit | None, str]:
    """The unit (None: the ปลัด) whose name ``text`` begins with, and the rest."""
    first = text.split()[0]
    if first.lower() in PALAD_WORDS:
        return None, text[len(first) :].strip()
    units = sorted(await Units(ctx.session, ctx.org_id).all(), key=lambda u: -len(u.name))
    for unit in units:
        if text.startswith(unit.name):
            return unit, text[len(unit.name) :].strip()
    meant = near_miss(first, [u.name for u in units])
    raise UserError(
        _('There is no unit "{name}"; did you mean {guess}?').format(name=first[:40], guess=meant)
        if meant
        else _('There is no unit "{name}"; see /units.').format(name=first[:40])
    )


async def _acting_list(ctx: Ctx, today: dt.date) -> None:
    rows = await acting_table(ctx.session, ctx.org_id, today)
    names = {id_of(u): u.name for u in await Units(ctx.session, ctx.org_id).all()}
    lines = [
        f"• {name}: {acting_title(None if a.unit_id is None else names.get(a.unit_id, '-'))}, "
        f"{period_text(a.starts_on, a.ends_on)}"
        for a, name in rows
    ]
    ctx.say(
        "\n".join(
            [_("Acting officers:"), *lines] if lines else [_("Nobody is recorded as acting for a head or the ปลัด.")]
        )
        + "\n"
        + _("To name one: /acting กองคลัง สมชาย ใจดี ถึง 20 ธ.ค. (or /acting ปลัด …)")
    )
