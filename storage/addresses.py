"""Where to reach people: a unit (its bound groups, else its members, else its head), everyone with an
organisation-wide role, or one person — each in the private chats they chose with /notify, passing by whoever is on
leave. The one address book the reminders, the digest, the notices and the form's "saved" message all read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import NamedTuple

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import bangkok_today
from domain.leave import Away, away_on
from locales.i18n import DEFAULT_LANGUAGE
from storage.acting import acting_on
from storage.leave import away_periods, away_periods_of
from storage.models import Acting, ChannelAccount, GroupChat, Membership, Person, Role


class Account(NamedTuple):
    """The parts of a chat account an address needs (read as columns, not as an ORM object)."""

    platform: str
    external_id: str


class Someone(NamedTuple):
    """The parts of a person an address needs."""

    id: int
    lang: str
    display_name: str
    notify_platform: str


@dataclass(frozen=True)
class Address:
    platform: str
    chat_id: str
    is_group: bool
    lang: str
    acting: bool = False  # reached as the acting officer (รักษาราชการแทน) of the office the message is for
    instead: bool = False  # a manager reached because everyone the message is for is away


class OrgAddresses:
    """Every unit's addresses in one organisation on one day, read in a few statements (for many organisations at
    once in the tick's wave). A person on leave that day is passed by: a unit whose members are all away is
    reached through its head, a head who is away through the organisation's managers (the ปลัด)."""

    def __init__(
        self,
        groups: dict[int, list[Address]],
        people: dict[tuple[int | None, Role], list[tuple]],
        away: dict[int, dt.date] | None = None,
        acting: dict[int | None, list[tuple]] | None = None,
    ):
        self.groups, self.people, self.away, self.acting = groups, people, away or {}, acting or {}
        self.back: list[Away] = []  # leave that ended within BACK_WITHIN: whose first day back may be today

    @classmethod
    async def load(cls, session: AsyncSession, org_id: int, on: dt.date | None = None) -> OrgAddresses:
        """``on``: the day whose leave counts (Bangkok's today by default)."""
        return (await cls.load_many(session, [org_id], on))[org_id]

    @classmethod
    async def load_many(
        cls, session: AsyncSession, org_ids: Collection[int], on: dt.date | None = None
    ) -> dict[int, OrgAddresses]:
        """Every organisation's book in the same few statements however many there are (the tick's wave). The
        people are read as plain tuples, not ORM objects: a nation's 125,000 accounts in a second, not ten."""
        ids = sorted(set(org_ids))
        groups: dict[int, dict[int, list[Address]]] = {o: {} for o in ids}
        q_groups = select(GroupChat).where(col(GroupChat.org_id).in_(ids)).order_by(col(GroupChat.id))
        for g in (await session.exec(q_groups)).all():
            groups[g.org_id].setdefault(g.unit_id, []).append(Address(g.platform, g.chat_id, True, DEFAULT_LANGUAGE))
        q = (
            select(
                Membership.org_id,
                Membership.unit_id,
                Membership.role,
                Person.id,
                Person.lang,
                Person.display_name,
                Person.notify_platform,
                ChannelAccount.platform,
                ChannelAccount.external_id,
            )
            .join(Person, col(Person.id) == Membership.person_id)
            .join(ChannelAccount, col(ChannelAccount.person_id) == Person.id)
            .where(col(Membership.org_id).in_(ids), ChannelAccount.org_id == Membership.org_id)
            .where(or_(col(Membership.unit_id).is_not(None), Membership.role == Role.MANAGER))
            .order_by(col(Person.id), col(ChannelAccount.id))
        )
        people: dict[int, dict[tuple[int | None, Role], list[tuple]]] = {o: {} for o in ids}
        for org_id, unit_id, role, pid, lang, name, notify, platform, external_id in (await session.exec(q)).all():
            entry = (Account(platform, external_id), Someone(pid, lang, name, notify))
            people[org_id].setdefault((unit_id, role), []).append(entry)
        day = on or bangkok_today()
        periods = await away_periods_of(session, ids, day)
        acting = await acting_on(session, ids, day)
        books = {}
        for org_id in ids:
            away = away_on(periods.get(org_id, []), day)
            present = [a for a in acting.get(org_id, []) if a.person_id not in away]
            book = cls(groups[org_id], people[org_id], away, await _acting_accounts(session, org_id, present))
            book.back = [p for p in periods.get(org_id, []) if p.ends_on < day]
            books[org_id] = book
        return books

    def _present(self, unit_id: int | None, role: Role) -> list[tuple]:
        return [(a, p) for a, p in self.people.get((unit_id, role), []) if p.id not in self.away]

    def of(self, unit_id: int, *, heads_only: bool = False) -> list[Address]:
        """Where to reach a unit: its bound group chats, else its members' private chats (its head's when it has
        no member, or all are away; the managers' when the head is away too). ``heads_only``: the head's private
        chat, for the escalation after the due date (the managers' when the head is away)."""
        if not heads_only and self.groups.get(unit_id):
            return list(self.groups[unit_id])
        if not heads_only and (members := self._present(unit_id, Role.MEMBER)):
            return _addresses(members)
        heads = _addresses(self._present(unit_id, Role.HEAD)) + _addresses(self.acting.get(unit_id, []), acting=True)
        if heads:
            return heads
        if self.away_in(unit_id):  # everyone who would be told is away: the ปลัด (or who acts for them) is told
            managers = self._present(None, Role.MANAGER) + self.acting.get(None, [])
            return [replace(a, instead=True) for a in _addresses(managers)]
        return []

    def managers(self) -> list[Address]:
        """The managers present today, and who acts for the ปลัด (the digest's readers), each once."""
        found = _addresses(self._present(None, Role.MANAGER)) + _addresses(self.acting.get(None, []), acting=True)
        return list({(a.platform, a.chat_id): a for a in reversed(found)}.values())[::-1]

    def members_on(self, unit_id: int, platform: str) -> list[tuple[str, str]]:
        """(account id, name) of the unit's members present today with an account on ``platform``: whom a
        reminder in the unit's group names, so that their app tells them (and nobody else is tagged)."""
        seen: dict[str, str] = {}
        for a, p in self._present(unit_id, Role.MEMBER):
            if a.platform == platform:
                seen.setdefault(a.external_id, p.display_name or "-")
        return list(seen.items())

    def person(self, unit_id: int, person_id: int) -> list[Address]:
        """One member's or head's private chats in the unit, if they are not away."""
        found = [(a, p) for role in (Role.MEMBER, Role.HEAD) for a, p in self._present(unit_id, role)]
        return _addresses([(a, p) for a, p in found if p.id == person_id])

    def away_in(self, unit_id: int) -> list[tuple[str, dt.date]]:
        """The unit's members and head who are away today, with the last day of their leave."""
        seen: dict[int, tuple[str, dt.date]] = {}
        for role in (Role.MEMBER, Role.HEAD):
            for _a, p in self.people.get((unit_id, role), []):
                if p.id in self.away:
                    seen[p.id] = (p.display_name or "-", self.away[p.id])
        return list(seen.values())

    def all_away(self, unit_id: int) -> bool:
        """Every member of the unit is away (a unit with no member is not "away")."""
        members = self.people.get((unit_id, Role.MEMBER), [])
        return bool(members) and all(p.id in self.away for _a, p in members)


def _addresses(accounts: list[tuple], acting: bool = False) -> list[Address]:
    return [Address(a.platform, a.external_id, False, p.lang, acting) for a, p in preferred_accounts(accounts)]


async def _acting_accounts(session: AsyncSession, org_id: int, acting: list[Acting]) -> dict[int | None, list[tuple]]:
    """Unit id (None: the ปลัด) → the accounts of whoever acts for its head that day and is not away."""
    if not acting:
        return {}
    q = (
        select(ChannelAccount, Person)
        .join(Person, col(Person.id) == ChannelAccount.person_id)
        .where(ChannelAccount.org_id == org_id, col(Person.id).in_({a.person_id for a in acting}))
        .order_by(Person.id, ChannelAccount.id)
    )
    rows = (await session.exec(q)).all()
    out: dict[int | None, list[tuple]] = {}
    for a in acting:
        out.setdefault(a.unit_id, []).extend((acc, p) for acc, p in rows if p.id == a.person_id)
    return out


def preferred_accounts(accounts: list[tuple[ChannelAccount, Person]]) -> list[tuple[ChannelAccount, Person]]:
    """Each person's accounts where they want reminders (/notify); all of them when they did not choose."""
    chosen = []
    for account, person in accounts:
        mine = [a for a, p in accounts if p.id == person.id]
        wanted = person.notify_platform
        if not wanted or account.platform == wanted or all(a.platform != wanted for a in mine):
            chosen.append((account, person))
    return chosen


async def role_addresses(session: AsyncSession, org_id: int, role: Role, on: dt.date | None = None) -> list[Address]:
    """Private chats of everyone with an organisation-wide role who is not on leave ``on`` (today by default),
    where each wants to be reached."""
    q = (
        select(ChannelAccount, Person)
        .join(Person, col(Person.id) == ChannelAccount.person_id)
        .join(Membership, col(Membership.person_id) == Person.id)
        .where(Membership.org_id == org_id, Membership.role == role)
    )
    day = on or bangkok_today()
    away = away_on(await away_periods(session, org_id, day), day)
    rows = (await session.exec(q)).all()
    found = _addresses([(a, p) for a, p in rows if p.id not in away])
    return list({(a.platform, a.chat_id): a for a in reversed(found)}.values())[::-1]


async def person_addresses(session: AsyncSession, person: Person) -> list[Address]:
    """One person's private chats, where they want to be reached."""
    accounts = (await session.exec(select(ChannelAccount).where(ChannelAccount.person_id == person.id))).all()
    return [
        Address(a.platform, a.external_id, False, p.lang)
        for a, p in preferred_accounts([(a, person) for a in accounts])
    ]
