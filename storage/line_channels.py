"""Organisations' own LINE Official Accounts: their channel's name (the webhook path), secret and token."""

from __future__ import annotations

import re

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from locales.errors import UserError
from locales.i18n import _
from storage.models import ChannelAccount, GroupChat, LineChannel
from storage.repo import audit
from base.values import utcnow

NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,39}")


async def own_channel(session: AsyncSession, platform: str, org_id: int) -> LineChannel | None:
    """The organisation's own channel on ``platform``, if it has one (only LINE has them)."""
    if platform != "line":
        return None
    return (await session.exec(select(LineChannel).where(LineChannel.org_id == org_id))).first()


async def channel_named(session: AsyncSession, name: str) -> LineChannel | None:
    return (await session.exec(select(LineChannel).where(LineChannel.name == name))).first()


async def all_channels(session: AsyncSession) -> list[LineChannel]:
    return list((await session.exec(select(LineChannel).order_by(LineChannel.name))).all())


async def set_channel(
    session: AsyncSession, org_id: int, name: str, secret: str, token: str, actor: str
) -> LineChannel:
    """Give the organisation its own channel, or new credentials for it (the name may change too)."""
    name, secret, token = name.strip().lower(), secret.strip(), token.strip()
    if not NAME.fullmatch(name):
        raise UserError(_("A channel name is 2–40 letters a–z, digits or '-', starting with a letter or digit"))
    if not re.fullmatch(r"[0-9a-f]{32}", secret):
        raise UserError(_("The channel secret is 32 characters 0–9 and a–f (LINE Developers console, Basic settings)"))
    if not re.fullmatch(r"[A-Za-z0-9+/=._-]{20,500}", token):
        raise UserError(_("The channel access token does not look like one (LINE Developers console, Messaging API)"))
    taken = await channel_named(session, name)
    if taken is not None and taken.org_id != org_id:
        raise UserError(_("Another organisation's channel is already called {name}").format(name=name))
    row = (await session.exec(select(LineChannel).where(LineChannel.org_id == org_id))).first()
    action = "update" if row is not None else "create"
    row = row or LineChannel(org_id=org_id, name=name, secret=secret, access_token=token)
    row.name, row.secret, row.access_token, row.updated_at = name, secret, token, utcnow()
    session.add(row)
    await session.flush()
    await audit(session, org_id, actor, action, "line_channel", row.id, new={"name": name})  # never the secrets
    return row


async def remove_channel(session: AsyncSession, org_id: int, actor: str) -> LineChannel | None:
    row = (await session.exec(select(LineChannel).where(LineChannel.org_id == org_id))).first()
    if row is not None:
        await audit(session, org_id, actor, "delete", "line_channel", row.id, old={"name": row.name})
        await session.delete(row)
    return row


async def line_accounts(session: AsyncSession, org_id: int) -> int:
    """The organisation's LINE accounts and groups: their ids belong to the channel they joined on."""
    people = (
        await session.exec(
            select(func.count())
            .select_from(ChannelAccount)
            .where(ChannelAccount.org_id == org_id, ChannelAccount.platform == "line")
        )
    ).one()
    groups = (
        await session.exec(
            select(func.count()).select_from(GroupChat).where(GroupChat.org_id == org_id, GroupChat.platform == "line")
        )
    ).one()
    return people + groups
