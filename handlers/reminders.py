"""A unit's reminder — what is missing, by when, and the button that starts /report — the notices of a round closed
or reopened, where they go, and how messages to other chats enter the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.events import Button, Delivery, Message
from handlers.common import clip, due_text, form_button, round_name
from handlers.protocol import RunCommand
from locales.i18n import DEFAULT_LANGUAGE, _, current_language, set_language
from storage.answers import Pair
from storage.models import ChannelAccount, GroupChat, Membership, Person, Role, Round, Unit
from storage.outbox import OutboxKey, enqueue, to_payload

TITLES_SHOWN = 3


def when_due(rnd: Round, today: dt.date | None) -> str:
    """The truth about the due date on ``today``: before it, on it, or how many days after it."""
    if today is None or today < rnd.due_on:
        return _("please answer by {due}.").format(due=due_text(rnd))
    if today == rnd.due_on:
        return _("today ({due}) is the last day to answer.").format(due=due_text(rnd))
    return _("the due date ({due}) passed {n} day(s) ago; please answer as soon as possible.").format(
        due=due_text(rnd), n=(today - rnd.due_on).days
    )


def reminder_message(
    rnd: Round, unit: Unit, awaiting: list[Pair], *, to_head: bool = False, today: dt.date | None = None
) -> Message:
    """A unit's reminder; ``to_head``: the escalation, in words for the head — the unit is late, and how the
    head can see to it — not the staff's reminder with a line on top."""
    if to_head:
        days = (today - rnd.due_on).days if today is not None and today > rnd.due_on else 0
        lines = [
            _(
                "To the head of {unit}: your unit still has {n} item(s) without an answer in {round}, {days} day(s) "
                "after the due date ({due}). Please see that they are answered, or answer them yourself with /report."
            ).format(unit=unit.name, n=len(awaiting), round=round_name(rnd), days=days, due=due_text(rnd))
        ]
    else:
        lines = [
            _("Reminder for {unit}: {n} item(s) still await an answer in {round}; {when}").format(
                unit=unit.name, n=len(awaiting), round=round_name(rnd), when=when_due(rnd, today)
            )
        ]
    lines += [f"• {p.item.code} {clip(p.item.title, 70)}" for p in awaiting[:TITLES_SHOWN]]
    if len(awaiting) > TITLES_SHOWN:
        lines.append(_("… and {n} more").format(n=len(awaiting) - TITLES_SHOWN))
    return Message("\n".join(lines), [[Button(_("Answer now"), RunCommand("report").pack())], [form_button()]])


def thanks_message(rnd: Round, unit: Unit) -> Message:
    return Message(
        _("Thank you, {unit}: every item of your unit has an answer in {round}.").format(
            unit=unit.name, round=round_name(rnd)
        )
    )


@dataclass(frozen=True)
class Address:
    platform: str
    chat_id: str
    is_group: bool
    lang: str


class OrgAddresses:
    """Every unit's addresses in one organisation, read in two queries (the tick plans thousands of units)."""

    def __init__(self, groups: dict[int, list[Address]], people: dict[tuple[int, Role], list[tuple]]):
        self.groups, self.people = groups, people

    @classmethod
    async def load(cls, session: AsyncSession, org_id: int) -> OrgAddresses:
        groups: dict[int, list[Address]] = {}
        for g in (await session.exec(select(GroupChat).where(GroupChat.org_id == org_id).order_by(GroupChat.id))).all():
            groups.setdefault(g.unit_id, []).append(Address(g.platform, g.chat_id, True, DEFAULT_LANGUAGE))
        q = (
            select(Membership.unit_id, Membership.role, Person, ChannelAccount)
            .join(Person, col(Person.id) == Membership.person_id)
            .join(ChannelAccount, col(ChannelAccount.person_id) == Person.id)
            .where(Membership.org_id == org_id, col(Membership.unit_id).is_not(None), ChannelAccount.org_id == org_id)
            .order_by(Person.id, ChannelAccount.id)
        )
        people: dict[tuple[int, Role], list[tuple]] = {}
        for unit_id, role, person, account in (await session.exec(q)).all():
            people.setdefault((unit_id, role), []).append((account, person))
        return cls(groups, people)

    def of(self, unit_id: int, *, heads_only: bool = False) -> list[Address]:
        """Where to reach a unit: its bound group chats, else its members' private chats (its head's when it
        has no member yet). ``heads_only``: the head's private chat, for the escalation after the due date."""
        if not heads_only and self.groups.get(unit_id):
            return list(self.groups[unit_id])
        accounts = (
            self.people.get((unit_id, Role.HEAD), [])
            if heads_only
            else self.people.get((unit_id, Role.MEMBER)) or self.people.get((unit_id, Role.HEAD), [])
        )
        return [Address(a.platform, a.external_id, False, p.lang) for a, p in preferred_accounts(accounts)]


def preferred_accounts(accounts: list[tuple[ChannelAccount, Person]]) -> list[tuple[ChannelAccount, Person]]:
    """Each person's accounts where they want reminders (/notify); all of them when they did not choose."""
    chosen = []
    for account, person in accounts:
        mine = [a for a, p in accounts if p.id == person.id]
        wanted = person.notify_platform
        if not wanted or account.platform == wanted or all(a.platform != wanted for a in mine):
            chosen.append((account, person))
    return chosen


def unit_reminders(
    book: OrgAddresses, rnd: Round, unit: Unit, awaiting: list[Pair], today: dt.date | None = None
) -> list[Delivery]:
    out, speaking = [], current_language()
    for address in book.of(unit.id):
        set_language(address.lang)
        out.append(
            Delivery(
                address.platform,
                address.chat_id,
                reminder_message(rnd, unit, awaiting, today=today),
                is_group=address.is_group,
            )
        )
    set_language(speaking)
    return out


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
                "key": str(OutboxKey(org_id, "e", f"{tag}-{i}", d.platform, d.chat_id)),
                "kind": "notice",
                "platform": d.platform,
                "chat_id": d.chat_id,
                "is_group": d.is_group,
                "payload": to_payload(d.message, data_dir),
            }
            for i, d in enumerate(deliveries)
        ],
    )
