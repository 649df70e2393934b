"""/dayoff: the organisation's own days off (วันหยุดพิเศษ, a local festival) added, listed and removed in chat; the
ladder skips them as it skips weekends and public holidays."""

from __future__ import annotations

import datetime as dt
import re

from base.values import bangkok_today
from domain.calendar import fiscal_year_bounds, fiscal_year_of
from handlers.context import Ctx
from locales.errors import ParseError, UserError
from locales.i18n import _
from locales.thai import format_date, parse_day_range
from storage.holidays import add_day_off, days_added, remove_day_off

CANCEL = re.compile(r"\s+(?:ยกเลิก|cancel|remove)$", re.IGNORECASE)


async def dayoff(ctx: Ctx, args: str = "") -> None:
    """Adds a day off (``/dayoff 5 ม.ค. งานประเพณี``), removes one (``/dayoff 5 ม.ค. ยกเลิก``), or lists them."""
    text = " ".join(args.split())[:200]
    today = bangkok_today()
    if not text:
        await _list(ctx)
        return
    removing = bool(CANCEL.search(text))
    text = CANCEL.sub("", text)
    day, name = _day_and_name(text, today)
    if removing:
        done = await remove_day_off(ctx.session, ctx.org_id, day, ctx.actor)
        ctx.say(
            _("{day} is a working day again.").format(day=format_date(day, thai_digits=False))
            if done
            else _("{day} was not one of the organisation's added days off.").format(
                day=format_date(day, thai_digits=False)
            )
        )
        return
    await add_day_off(ctx.session, ctx.org_id, day, name, ctx.actor)
    ctx.say(
        _("Added the day off {day}{name}: reminders skip it, like a public holiday.").format(
            day=format_date(day, thai_digits=False), name=f" ({name})" if name else ""
        )
    )


def _day_and_name(text: str, today: dt.date) -> tuple[dt.date, str]:
    """The day typed first ("5 ม.ค.", "5 ม.ค. 2570", "5/1/2570") and the name after it."""
    words = text.split()
    for n in (3, 2, 1):  # the longest start that reads as one day
        head = " ".join(words[:n])
        try:
            start, end = parse_day_range(head, today)
        except ParseError:
            continue
        if start == end:
            return start, " ".join(words[n:])[:200]
    raise UserError(_("Type the day first, for example /dayoff 5 ม.ค. 2570 งานประเพณีท้องถิ่น"))


async def _list(ctx: Ctx) -> None:
    today = bangkok_today()
    start, end = fiscal_year_bounds(fiscal_year_of(today))
    added = sorted((d, n) for d, n in (await days_added(ctx.session, ctx.org_id)).items() if start <= d <= end)
    lines = [f"• {format_date(d, thai_digits=False, abbr=True)} {n}".rstrip() for d, n in added]
    ctx.say(
        "\n".join(
            [_("The organisation's own days off this fiscal year:"), *lines]
            if lines
            else [_("No days off added this fiscal year (public holidays are known already).")]
        )
        + "\n"
        + _("To add one: /dayoff 5 ม.ค. 2570 งานประเพณีท้องถิ่น")
    )
