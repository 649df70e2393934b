"""A unit's reminder — what is missing, by when, and the button that starts /report — the notices of a round closed
or reopened (to the addresses storage/addresses.py gives), and how messages to other chats enter the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from base.events import Button, Delivery, Mention, Message
from domain.due import Owed
from handlers.common import clip, due_text, form_button, round_name
from handlers.protocol import RunCommand
from locales.i18n import _, current_language, set_language
from locales.labels import acting_title, office_title
from locales.thai import format_date
from storage.addresses import OrgAddresses
from storage.answers import Pair
from storage.db import AsyncSession
from storage.models import Round, Unit, id_of
from storage.outbox import OutboxKey, enqueue, to_payload

TITLES_SHOWN = 3
MENTIONS = 20  # people named in one group reminder (LINE allows 20 substitutions in a message)


def when_due(rnd: Round, today: dt.date | None) -> str:
    """The truth about the due date on ``today``: before it, on it, or how many days after it."""
    if today is None or today < rnd.due_on:
        return _("please answer by {due}.").format(due=due_text(rnd))
    if today == rnd.due_on:
        return _("today ({due}) is the last day to answer.").format(due=due_text(rnd))
    return _("the due date ({due}) passed {n} day(s) ago; please answer as soon as possible.").format(
        due=due_text(rnd), n=(today - rnd.due_on).days
    )


def owed_of(awaiting: Sequence[Pair]) -> Owed:
    """What a reminder says of these awaiting items: their number and the first few."""
    return Owed(len(awaiting), tuple((p.item.code, p.item.title) for p in awaiting[:TITLES_SHOWN]))


def reminder_message(
    rnd: Round,
    unit: str,
    owed: Owed,
    *,
    to_head: bool = False,
    today: dt.date | None = None,
    away: Sequence[tuple[str, dt.date]] = (),
    all_away: bool = False,
    acting: bool = False,
    back: bool = False,
    mentions: Sequence[tuple[str, str]] = (),
    instead: bool = False,
) -> Message:
    """A unit's reminder (``unit``: its name; ``owed``: what it still owes); ``to_head``: the escalation, in
    words for the head — the unit is late, and how the head can see to it — not the staff's reminder with a line
    on top. ``away``: who of the unit is on leave and
    until when, said so that whoever reads it knows why (``all_away``: every member is, so it reaches the head)."""
    if to_head:
        days = (today - rnd.due_on).days if today is not None and today > rnd.due_on else 0
        lines = [_("To you as {title}:").format(title=acting_title(unit))] if acting else []
        if instead:
            office = office_title(unit)
            lines.append(
                _("{office} is on leave, and nobody acting for them is present: this comes to you.").format(
                    office=office
                )
            )
        lines += [
            _(
                "To the head of {unit}: your unit still has {n} item(s) without an answer in {round}, {days} day(s) "
                "after the due date ({due}). Please see that they are answered, or answer them yourself with /report."
            ).format(unit=unit, n=owed.n, round=round_name(rnd), days=days, due=due_text(rnd))
        ]
    else:
        lines = [_("Welcome back. While you were away:")] if back else []
        lines += [
            _("Reminder for {unit}: {n} item(s) still await an answer in {round}; {when}").format(
                unit=unit, n=owed.n, round=round_name(rnd), when=when_due(rnd, today)
            )
        ]
    if all_away and away:
        lines.append(
            _("Every member of the unit is on leave until {date}: this reminder comes to you instead.").format(
                date=format_date(max(d for _n, d in away), thai_digits=False, abbr=True)
            )
        )
    elif away:
        lines.append(on_leave_line(away))
    lines += [f"• {code} {clip(title, 70)}" for code, title in owed.first[:TITLES_SHOWN]]
    if owed.n > TITLES_SHOWN:
        lines.append(_("… and {n} more").format(n=owed.n - TITLES_SHOWN))
    return Message(
        "\n".join(lines),
        [[Button(_("Answer now"), RunCommand("report").pack())], [form_button()]],
        mentions=[Mention(user_id, name) for user_id, name in mentions[:MENTIONS]],
    )


def on_leave_line(away: Sequence[tuple[str, dt.date]]) -> str:
    """Who of a unit is on leave and until when (never why): said beside a late unit in every list."""
    return _("On leave: {people}.").format(
        people=", ".join(f"{name} ({format_date(d, thai_digits=False, abbr=True)})" for name, d in away[:5])
    )


def thanks_message(rnd: Round, unit: str) -> Message:
    return Message(
        _("Thank you, {unit}: every item of your unit has an answer in {round}.").format(
            unit=unit, round=round_name(rnd)
        )
    )


def unit_reminders(
    book: OrgAddresses,
    rnd: Round,
    unit: Unit,
    awaiting: list[Pair],
    today: dt.date | None = None,
    recent: Collection[tuple[str, str, str]] = (),
) -> tuple[list[Delivery], int]:
    """A unit's reminder to each of its addresses, as outbox reminders; and how many addresses were passed by
    because ``recent`` (scope, platform, chat) says they had this unit's reminder within the repeat interval."""
    out, skipped, speaking = [], 0, current_language()
    scope = OutboxKey.unit_scope(id_of(rnd), id_of(unit))
    away, all_away = book.away_in(id_of(unit)), book.all_away(id_of(unit))
    for address in book.of(id_of(unit)):
        if (scope, address.platform, address.chat_id) in recent:
            skipped += 1
            continue
        set_language(address.lang)
        out.append(
            Delivery(
                address.platform,
                address.chat_id,
                reminder_message(
                    rnd,
                    unit.name,
                    owed_of(awaiting),
                    today=today,
                    away=away,
                    all_away=all_away,
                    mentions=book.members_on(id_of(unit), address.platform) if address.is_group else (),
                ),
                is_group=address.is_group,
                scope=scope,
                kind="reminder",
            )
        )
    set_language(speaking)
    return out, skipped


def round_notices(book: OrgAddresses, unit_ids: list[int], text: Callable[[], str]) -> list[Delivery]:
    """One notice to every unit (its groups, else its members), each written in its reader's language."""
    out, speaking, seen = [], current_language(), set()
    for unit_id in unit_ids:
        for address in book.of(unit_id):
            if (address.platform, address.chat_id) in seen:  # a person in two units hears it once
                continue
            seen.add((address.platform, address.chat_id))
            set_language(address.lang)
            out.append(Delivery(address.platform, address.chat_id, Message(text()), is_group=address.is_group))
    set_language(speaking)
    return out


async def queue_deliveries(
    session: AsyncSession, org_id: int, deliveries: list[Delivery], data_dir: Path, tag: str
) -> None:
    """Messages to other chats, into the outbox in the caller's transaction (rate limits, retries, the send
    ledger); ``tag`` makes each one's key unique to the event or command that sent it."""
    await enqueue(
        session,
        [
            {
                "org_id": org_id,
                "key": str(OutboxKey(org_id, d.scope, f"{tag}-{i}", d.platform, d.chat_id)),
                "kind": d.kind,
                "platform": d.platform,
                "chat_id": d.chat_id,
                "is_group": d.is_group,
                "payload": to_payload(d.message, data_dir),
            }
            for i, d in enumerate(deliveries)
        ],
    )
