"""A unit's reminder — what is missing, by when, and the button that starts /report — and where it goes."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.common import clip, due_text, round_name
from handlers.events import Button, Delivery, Message
from locales.i18n import _
from storage.answers import Pair
from storage.models import Round, Unit
from storage.people import People

TITLES_SHOWN = 3


def reminder_message(rnd: Round, unit: Unit, awaiting: list[Pair]) -> Message:
    lines = [_("Reminder for {unit}: {n} item(s) still await an answer in {round}; please answer by {due}.").format(
        unit=unit.name, n=len(awaiting), round=round_name(rnd), due=due_text(rnd))]
    lines += [f"• {p.item.code} {clip(p.item.title, 70)}" for p in awaiting[:TITLES_SHOWN]]
    if len(awaiting) > TITLES_SHOWN:
        lines.append(_("… and {n} more").format(n=len(awaiting) - TITLES_SHOWN))
    return Message("\n".join(lines), [[Button(_("Answer now"), "cmd:report")]])


async def unit_addresses(session: AsyncSession, org_id: int, unit_id: int) -> list[tuple[str, str]]:
    """(platform, chat id) to reach a unit: its bound group chats, else each member's private chat."""
    people = People(session, org_id)
    groups = await people.group_chats(unit_id)
    if groups:
        return [(g.platform, g.chat_id) for g in groups]
    members = await people.unit_people(unit_id)
    return [(a.platform, a.external_id) for a in await people.accounts([p.id for p in members])]


async def unit_reminders(session: AsyncSession, org_id: int, rnd: Round, unit: Unit,
                         awaiting: list[Pair]) -> list[Delivery]:
    message = reminder_message(rnd, unit, awaiting)
    return [Delivery(platform, chat_id, message) for platform, chat_id in
            await unit_addresses(session, org_id, unit.id)]
