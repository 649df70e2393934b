"""Where to reach people: a unit (its bound groups, else its members, else its head), everyone with an
organisation-wide role, or one person — each in the private chats they chose with /notify. The one address
book the reminders, the digest, the notices and the form's "saved" message all read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from locales.i18n import DEFAULT_LANGUAGE
from storage.models import ChannelAccount, GroupChat, Membership, Person, Role


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


async def role_addresses(session: AsyncSession, org_id: int, role: Role) -> list[Address]:
    """Private chats of everyone with an organisation-wide role, where each wants to be reached."""
    q = (
        select(ChannelAccount, Person)
        .join(Person, col(Person.id) == ChannelAccount.person_id)
        .join(Membership, col(Membership.person_id) == Person.id)
        .where(Membership.org_id == org_id, Membership.role == role)
    )
    rows = (await session.exec(q)).all()
    chosen = preferred_accounts([(a, p) for a, p in rows])
    return list(
        {(a.platform, a.external_id): Address(a.platform, a.external_id, False, p.lang) for a, p in chosen}.values()
    )


async def person_addresses(session: AsyncSession, person: Person) -> list[Address]:
    """One person's private chats, where they want to be reached."""
    accounts = (await session.exec(select(ChannelAccount).where(ChannelAccount.person_id == person.id))).all()
    return [
        Address(a.platform, a.external_id, False, p.lang)
        for a, p in preferred_accounts([(a, person) for a in accounts])
    ]
