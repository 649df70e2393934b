"""People, their chat accounts and roles, invite and link codes (and the limit on guessing them), bound group
chats, and the erasure of a person (``ERASURE`` says what happens to each table that names one)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, false, or_, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import utcnow
from domain.names import near_miss
from locales.errors import UserError
from locales.i18n import _
from storage.chain import reseal
from storage.evidence import person_files
from storage.models import (
    Acting,
    AuditLog,
    ChannelAccount,
    Conversation,
    DownloadLink,
    FormDraft,
    FormPass,
    GroupChat,
    Invite,
    JoinAttempt,
    Leave,
    LinkCode,
    Membership,
    Organisation,
    OrgKind,
    Outbox,
    OutboxState,
    Person,
    Role,
    SignoffDecision,
    SignoffStep,
    StatusReport,
    Unit,
)
from storage.repo import Scoped, Units, audit, replan

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and retyped


@dataclass
class Roles:
    """What one person may do in their organisation."""

    admin: bool = False
    manager: bool = False
    overseer: bool = False  # reads the roll-up of the organisations their organisation oversees
    units: dict[int, set[Role]] = field(default_factory=dict)

    @property
    def unit_ids(self) -> list[int]:
        return sorted(self.units)

    @property
    def reads_everything(self) -> bool:
        return self.admin or self.manager

    @classmethod
    def of(cls, memberships: Iterable[tuple[Role, int | None]]) -> Roles:
        """From (role, unit id) pairs: a person's memberships in their organisation."""
        roles = cls()
        for role, unit_id in memberships:
            if role == Role.ADMIN:
                roles.admin = True
            elif role == Role.MANAGER:
                roles.manager = True
            elif role == Role.OVERSEER:
                roles.overseer = True
            elif unit_id is not None:
                roles.units.setdefault(unit_id, set()).add(role)
        return roles

    def heads(self, unit_id: int) -> bool:
        return Role.HEAD in self.units.get(unit_id, set())


async def account_of(session: AsyncSession, platform: str, external_id: str) -> ChannelAccount | None:
    q = select(ChannelAccount).where(ChannelAccount.platform == platform, ChannelAccount.external_id == external_id)
    return (await session.exec(q)).first()


async def accounts_of(
    session: AsyncSession, platform: str, external_id: str, org_id: int | None = None
) -> list[ChannelAccount]:
    """The accounts with this id on the platform, one per organisation joined, oldest first (``org_id``: in that
    organisation alone — an organisation's own bot speaks for its people only)."""
    q = select(ChannelAccount).where(ChannelAccount.platform == platform, ChannelAccount.external_id == external_id)
    if org_id is not None:
        q = q.where(ChannelAccount.org_id == org_id)
    return list((await session.exec(q.order_by(col(ChannelAccount.id)))).all())


async def roles_of(session: AsyncSession, person: Person) -> Roles:
    q = select(Membership.role, Membership.unit_id).where(
        Membership.org_id == person.org_id, Membership.person_id == person.id
    )
    return Roles.of((await session.exec(q)).all())


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


log = logging.getLogger(__name__)


class People(Scoped):
    async def create_invite(
        self, *, unit_name: str | None, role: Role, uses: int = 1, days: int = 7, actor: str
    ) -> tuple[Invite, Unit | None]:
        if role in (Role.HEAD, Role.MEMBER) and not unit_name:
            raise UserError(_("A unit head or member invite needs a unit"))
        if not 1 <= uses <= 500:
            raise UserError(_("An invite can be used 1 to 500 times"))
        if not 1 <= days <= 90:
            raise UserError(_("An invite lasts 1 to 90 days"))
        if role == Role.OVERSEER:
            org = await self.session.get(Organisation, self.org_id)
            if org.kind != OrgKind.OVERSIGHT:
                raise UserError(
                    _("Only an oversight organisation (kind {kind}) has overseers").format(kind=OrgKind.OVERSIGHT.value)
                )
        unit = None
        if unit_name:
            units = Units(self.session, self.org_id)
            unit = await units.by_name(unit_name)
            if unit is None:
                names = [u.name for u in await units.all()]
                guess = near_miss(unit_name, names)
                raise UserError(
                    _('There is no unit named "{name}"; did you mean {guess}?').format(name=unit_name, guess=guess)
                    if guess
                    else _('There is no unit named "{name}". The units: {units}').format(
                        name=unit_name, units=", ".join(names) or "-"
                    )
                )
        invite = Invite(
            org_id=self.org_id,
            code=new_code(),
            unit_id=unit.id if unit else None,
            role=role,
            uses_left=uses,
            expires_at=utcnow() + dt.timedelta(days=days),
            created_by=actor,
        )
        self.session.add(invite)
        await self.session.flush()
        await audit(
            self.session,
            self.org_id,
            actor,
            "create",
            "invite",
            invite.id,
            new={"unit": unit.name if unit else None, "role": role.value, "uses": uses, "days": days},
        )
        return invite, unit

    async def members(self) -> list[tuple[Person, list[Membership], list[ChannelAccount]]]:
        people = (await self.session.exec(select(Person).where(Person.org_id == self.org_id).order_by(Person.id))).all()
        ms = (await self.session.exec(select(Membership).where(Membership.org_id == self.org_id))).all()
        accounts = (await self.session.exec(select(ChannelAccount).where(ChannelAccount.org_id == self.org_id))).all()
        return [
            (p, [m for m in ms if m.person_id == p.id], [a for a in accounts if a.person_id == p.id]) for p in people
        ]

    async def unit_people(self, unit_id: int, roles: Sequence[Role] = (Role.HEAD, Role.MEMBER)) -> list[Person]:
        q = (
            select(Person)
            .join(Membership, col(Membership.person_id) == Person.id)
            .where(
                Membership.org_id == self.org_id, Membership.unit_id == unit_id, col(Membership.role).in_(list(roles))
            )
            .order_by(Person.id)
        )
        return list({p.id: p for p in (await self.session.exec(q)).all()}.values())

    async def accounts(self, person_ids: Sequence[int]) -> list[ChannelAccount]:
        if not person_ids:
            return []
        q = select(ChannelAccount).where(
            ChannelAccount.org_id == self.org_id, col(ChannelAccount.person_id).in_(list(person_ids))
        )
        return list((await self.session.exec(q)).all())

    async def group_chats(self, unit_id: int) -> list[GroupChat]:
        q = select(GroupChat).where(GroupChat.org_id == self.org_id, GroupChat.unit_id == unit_id)
        return list((await self.session.exec(q)).all())


# wrong invite or link codes a chat account may try before its tries are refused. There is no organisation-wide
# limit: it counted tries of a used code that anyone may have, so a few accounts could lock an organisation's
# newcomers out; guessing a valid code (8 characters of 32: 10^12) is out of reach at five tries an account.
ACCOUNT_TRIES, ACCOUNT_WINDOW = 5, dt.timedelta(minutes=15)


async def account_names(session: AsyncSession, org_id: int) -> dict[tuple[str, str], str]:
    """(platform, account id) → the name of its person, for the organisation's chat accounts."""
    q = (
        select(ChannelAccount.platform, ChannelAccount.external_id, Person.display_name)
        .join(Person, col(Person.id) == ChannelAccount.person_id)
        .where(ChannelAccount.org_id == org_id)
    )
    return {(platform, external): name for platform, external, name in (await session.exec(q)).all()}


async def people_matching(session: AsyncSession, org_id: int, wanted: str) -> list[Person]:
    """The organisation's people with this id (all digits) or exactly this name."""
    q = select(Person).where(Person.org_id == org_id)
    q = q.where(Person.id == int(wanted)) if wanted.isdigit() else q.where(Person.display_name == wanted)
    return list((await session.exec(q)).all())


async def person_names(session: AsyncSession, org_id: int) -> list[str]:
    """Every registered person's name in the organisation: what the public documents mask in typed text."""
    rows = await session.exec(select(Person.display_name).where(Person.org_id == org_id))
    return [n for n in rows.all() if n]


class InviteRefused(UserError):
    """A code that does not let this account join; ``org_id`` when the code is one of an organisation's."""

    def __init__(self, message: str, org_id: int | None = None, invite_id: int | None = None):
        super().__init__(message)
        self.org_id, self.invite_id = org_id, invite_id


async def find_invite(session: AsyncSession, code: str, platform: str = "", external_id: str = "") -> Invite:
    """A usable invite, or an InviteRefused saying why not (unknown, used up, expired, too many tries)."""
    now = utcnow()
    await refuse_guessing(session, platform, external_id)
    invite = (await session.exec(select(Invite).where(Invite.code == code.strip().upper()[:40]))).first()
    if invite is None:
        raise InviteRefused(
            _("This invite code is not valid. Please check it or ask your administrator for a new one.")
        )
    if invite.uses_left <= 0:
        raise InviteRefused(
            _("This invite code has already been used. Please ask your administrator for a new one."),
            invite.org_id,
            invite.id,
        )
    if invite.expires_at < now:
        raise InviteRefused(
            _("This invite code has expired. Please ask your administrator for a new one."), invite.org_id, invite.id
        )
    return invite


async def refuse_guessing(session: AsyncSession, platform: str, external_id: str) -> None:
    """After ``ACCOUNT_TRIES`` wrong invite or link codes from one chat account, refuse its tries for a while —
    the right code too, so guessing gains nothing. Only this account's own tries count."""
    if not platform:
        return
    where = (JoinAttempt.platform == platform, JoinAttempt.external_id == external_id)
    if await _tries(session, *where, since=utcnow() - ACCOUNT_WINDOW) >= ACCOUNT_TRIES:
        raise UserError(
            _(
                "Too many wrong invite codes from this chat. Please wait {minutes} minutes, or ask your "
                "administrator for a new link."
            ).format(minutes=int(ACCOUNT_WINDOW.total_seconds() // 60))
        )


async def drop_link_codes(session: AsyncSession, person_id: int) -> None:
    """A person's link codes not yet used: replaced by a new one, so /link repeated adds no rows."""
    await session.exec(delete(LinkCode).where(col(LinkCode.person_id) == person_id, col(LinkCode.used).is_(False)))


async def _tries(session: AsyncSession, *where, since: dt.datetime) -> int:
    q = select(func.count()).select_from(JoinAttempt).where(*where, JoinAttempt.at >= since)
    return (await session.exec(q)).one()


async def forget_old_join_attempts(session: AsyncSession, now: dt.datetime) -> None:
    """Refused tries older than the longest window count for nothing: the tick deletes them."""
    await session.exec(delete(JoinAttempt).where(JoinAttempt.at < now - ACCOUNT_WINDOW))


async def record_refused_invite(session: AsyncSession, error: InviteRefused, platform: str, external_id: str) -> None:
    """After the step rolled back: count the try, and audit it in the organisation the code belongs to."""
    session.add(JoinAttempt(platform=platform, external_id=external_id, org_id=error.org_id))
    if error.org_id is not None:
        await audit(session, error.org_id, f"{platform}:{external_id}", "refused", "invite", error.invite_id)


async def join(
    session: AsyncSession, invite: Invite, platform: str, external_id: str, account: ChannelAccount | None
) -> tuple[Person, ChannelAccount, bool]:
    """Bind the account to the invite's unit and role; (person, account, is_new_person)."""
    if account is not None:
        person = await session.get(Person, account.person_id)
        if person.org_id != invite.org_id:
            raise UserError(_("This chat account already belongs to another organisation"))
        is_new = False
    else:
        elsewhere = await account_of(session, platform, external_id)
        if elsewhere is not None:  # the same chat account in another organisation (its own LINE channel shows
            # this organisation's only): refused in words, not a unique-constraint failure swallowed
            log.warning("invite of org %s refused: the account is in org %s", invite.org_id, elsewhere.org_id)
            raise UserError(
                _(
                    "This chat account already uses Tidtam with another organisation, so it cannot join this one. "
                    "Please ask your administrator."
                )
            )
        person = Person(org_id=invite.org_id)
        session.add(person)
        await session.flush()
        account = ChannelAccount(org_id=invite.org_id, person_id=person.id, platform=platform, external_id=external_id)
        session.add(account)
        await session.flush()
        is_new = True
    exists = (
        await session.exec(
            select(Membership).where(
                Membership.person_id == person.id, Membership.unit_id == invite.unit_id, Membership.role == invite.role
            )
        )
    ).first()
    if exists is None:
        session.add(Membership(org_id=invite.org_id, person_id=person.id, unit_id=invite.unit_id, role=invite.role))
    invite.uses_left -= 1
    session.add(invite)
    await replan(session, invite.org_id)
    await audit(
        session,
        invite.org_id,
        f"{platform}:{external_id}",
        "join",
        "invite",
        invite.id,
        new={"person": person.id, "role": invite.role.value, "unit": invite.unit_id},
        person_id=person.id,
    )
    await session.flush()
    assert person is not None
    return person, account, is_new


async def conversation_of(session: AsyncSession, account: ChannelAccount) -> Conversation:
    conv = (await session.exec(select(Conversation).where(Conversation.account_id == account.id))).first()
    if conv is None:
        conv = Conversation(org_id=account.org_id, account_id=account.id)
        session.add(conv)
        await session.flush()
    return conv


# Every table that names a person or one of their chat accounts, and what erasure does to its rows: a test
# fails when a table with such a column is not listed here (tests/security/test_forget.py).
ERASURE = {
    "channel_account": "deleted",
    "conversation": "deleted (with the account)",
    "membership": "deleted",
    "link_code": "deleted",
    "leave": "deleted",
    "acting": "deleted",
    "form_pass": "deleted",
    "form_draft": "deleted, with the files only drafts referred to",
    "join_attempt": "deleted (by account)",
    "download_link": "spent and unlinked from the person",
    "outbox": "queued messages dropped, every text cleared",
    "audit_log": "the name replaced, the actor replaced by person:<id>",
    "status_report": "kept: an answer is the unit's record; the person's name is gone from person",
    "sim_message": "the simulator's own phones, never a real person",
    "group_chat": "a group, not a person",
    "signoff_step": "deleted: the admin names another holder of the office",
    "signoff_decision": "kept as the office's decision; the name replaced, the account cleared",
}


async def forget_person(
    session: AsyncSession, org_id: int, person: Person, actor: str, data_dir: Path | None = None
) -> dict[str, int]:
    """Remove a person's personal data (Thailand's PDPA) and keep the organisation's records meaningful.

    Their answers stay (an answer belongs to the unit's record) but no longer say who they were: the name
    becomes a placeholder; chat accounts, conversations, roles and pending codes are deleted; messages still
    queued to them are dropped and their texts cleared; their download links stop working; and the audit log
    is rewritten by structure — the lines about this person's name, and the lines they acted in — never by
    searching for their name as text (which would change other people's lines).
    """
    accounts, queued, actors = await _forget_accounts(session, org_id, person)
    counts = {"queued_dropped": queued, "accounts": accounts}
    counts["roles"] = (await session.exec(delete(Membership).where(Membership.person_id == person.id))).rowcount
    await session.exec(delete(LinkCode).where(LinkCode.person_id == person.id))
    await session.exec(delete(Leave).where(Leave.person_id == person.id))
    await session.exec(delete(Acting).where(Acting.person_id == person.id))
    await session.exec(delete(SignoffStep).where(SignoffStep.person_id == person.id))  # the admin names another
    # an approval they gave stays a record of the office's decision, no longer of who they were
    await session.exec(
        update(SignoffDecision)
        .where(SignoffDecision.person_id == person.id)
        .values(name=f"ผู้ใช้ #{person.id} (ลบข้อมูลส่วนบุคคลแล้ว)", account="")
    )
    await session.exec(delete(FormPass).where(FormPass.person_id == person.id))
    drafts = (await session.exec(select(FormDraft).where(FormDraft.person_id == person.id))).all()
    counts["drafts"] = len(drafts)
    unsent = {e["path"] for d in drafts for e in d.fields.get("evidence", []) if isinstance(e, dict) and e.get("path")}
    for draft in drafts:
        await session.delete(draft)
    if data_dir is not None:
        counts["files_deleted"] = await _delete_unreferenced(session, org_id, person, data_dir, unsent)
    counts["links_revoked"] = (
        await session.exec(
            update(DownloadLink)
            .where(DownloadLink.person_id == person.id, col(DownloadLink.used_at).is_(None))
            .values(used_at=utcnow())
        )
    ).rowcount
    await session.exec(update(DownloadLink).where(DownloadLink.person_id == person.id).values(person_id=None))
    counts["audit_rows_scrubbed"], first = await _scrub_audit(session, org_id, person, actors)
    if first is not None:  # the lines rewritten here, and every one after, are linked again (storage/chain.py)
        await session.flush()
        counts["audit_rows_resealed"] = await reseal(session, org_id, first)
    person.display_name = f"ผู้ใช้ #{person.id} (ลบข้อมูลส่วนบุคคลแล้ว)"
    person.notify_platform = ""
    session.add(person)
    await audit(session, org_id, actor, "forget", "person", person.id, new=counts)
    return counts


async def _forget_accounts(session: AsyncSession, org_id: int, person: Person) -> tuple[int, int, set[str]]:
    """Delete the person's chat accounts with their conversations and join attempts, and drop (and empty) what
    is still queued to them. Returns how many accounts, how many queued messages, and the accounts' actor names
    (to find the audit lines they acted in)."""
    accounts = (
        await session.exec(
            select(ChannelAccount).where(ChannelAccount.person_id == person.id, ChannelAccount.org_id == org_id)
        )
    ).all()
    queued_dropped = 0
    for account in accounts:
        await session.exec(delete(Conversation).where(Conversation.account_id == account.id))
        outbox = (
            await session.exec(
                select(Outbox).where(
                    Outbox.org_id == org_id,
                    Outbox.platform == account.platform,
                    Outbox.chat_id == account.external_id,
                    col(Outbox.is_group).is_(False),
                )
            )
        ).all()
        for queued in outbox:
            if queued.state in (OutboxState.PENDING, OutboxState.SENDING, OutboxState.FAILED):
                queued.state, queued.last_error = OutboxState.DROPPED, "person forgotten"
            queued.payload = {}  # the texts said their name
            session.add(queued)
        queued_dropped += len(outbox)
        await session.exec(
            delete(JoinAttempt).where(
                JoinAttempt.platform == account.platform, JoinAttempt.external_id == account.external_id
            )
        )
        await session.delete(account)
    actors = {f"{a.platform}:{a.external_id}" for a in accounts}
    return len(accounts), queued_dropped, actors


async def _delete_unreferenced(
    session: AsyncSession, org_id: int, person: Person, data_dir: Path, unsent: set[str]
) -> int:
    """Their files no answer refers to: what they typed or sent but never saved."""
    kept = await referenced_files(session, org_id)
    deleted = 0
    for path in unsent | {p.relative_to(data_dir).as_posix() for p in person_files(data_dir, org_id, person.id)}:
        if path not in kept and (data_dir / path).is_file():
            (data_dir / path).unlink()
            deleted += 1
    return deleted


async def _scrub_audit(session: AsyncSession, org_id: int, person: Person, actors: set[str]) -> tuple[int, int | None]:
    """The audit lines about this person's name lose it; the lines they acted in name them by id only. How many,
    and the first one's id (where the chain must be resealed)."""
    scrubbed, first = 0, None
    about = (col(AuditLog.entity) == "person") & (col(AuditLog.entity_id) == person.id)
    acted = col(AuditLog.actor).in_(actors) if actors else false()
    for row in (await session.exec(select(AuditLog).where(AuditLog.org_id == org_id, or_(about, acted)))).all():
        if row.entity == "person" and row.entity_id == person.id:
            for column in ("old", "new"):
                values = getattr(row, column)
                if values and "display_name" in values:
                    setattr(row, column, {**values, "display_name": "-"})
        if row.actor in actors:
            row.actor = f"person:{person.id}"
        session.add(row)
        scrubbed += 1
        first = row.id if first is None else min(first, row.id or first)
    return scrubbed, first


async def referenced_files(session: AsyncSession, org_id: int) -> set[str]:
    """Every evidence path the organisation's answers, form drafts and chat drafts refer to (relative to the
    data folder): the files erasure and the retention sweep must keep."""
    paths: set[str] = set()
    lists = [r for r in (await session.exec(select(StatusReport.evidence).where(StatusReport.org_id == org_id))).all()]
    lists += [
        f.get("evidence", [])
        for f in (await session.exec(select(FormDraft.fields).where(FormDraft.org_id == org_id))).all()
    ]
    lists += [
        d.get("evidence", [])
        for d in (await session.exec(select(Conversation.data).where(Conversation.org_id == org_id))).all()
    ]
    for evidence in lists:
        for e in evidence or []:
            if isinstance(e, dict) and isinstance(e.get("path"), str):
                paths.add(e["path"])
    return paths


async def link_code(session: AsyncSession, code: str) -> LinkCode | None:
    """The /link code typed, if there is one (any organisation: the other platform's account is not yet one)."""
    return (await session.exec(select(LinkCode).where(LinkCode.code == code[:20]))).first()


async def group_chat(session: AsyncSession, platform: str, chat_id: str) -> GroupChat | None:
    """The group chat as bound to a unit, in whichever organisation bound it."""
    q = select(GroupChat).where(GroupChat.platform == platform, GroupChat.chat_id == chat_id)
    return (await session.exec(q)).first()


async def forget_group_chat(session: AsyncSession, platform: str, chat_id: str) -> None:
    """The bot left (or was removed from) the group: its binding to a unit goes."""
    q = select(GroupChat).where(GroupChat.platform == platform, GroupChat.chat_id == chat_id)
    for g in (await session.exec(q)).all():
        await session.delete(g)
