"""Organisations' own LINE Official Accounts: their channel's name (the webhook path), secret and token (both
stored sealed, storage/sealed.py)."""

from __future__ import annotations

import re

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import utcnow
from locales.errors import UserError
from locales.i18n import _
from storage.models import ChannelAccount, GroupChat, LineChannel
from storage.repo import audit
from storage.sealed import Sealer, is_sealed

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
    session: AsyncSession, org_id: int, name: str, secret: str, token: str, actor: str, *, seal: Sealer
) -> LineChannel:
    """Give the organisation its own channel, or new credentials for it (the name may change too); the secret
    and the token are stored sealed (storage/sealed.py)."""
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
    sealed_secret, sealed_token = seal.seal(secret), seal.seal(token)
    row = row or LineChannel(org_id=org_id, name=name, secret=sealed_secret, access_token=sealed_token)
    row.name, row.secret, row.access_token, row.updated_at = name, sealed_secret, sealed_token, utcnow()
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


async def seal_what_is_clear(session: AsyncSession, seal: Sealer) -> int:
    """Channels stored before sealing existed, sealed now (at the web app's start); how many."""
    done = 0
    for row in await all_channels(session):
        if not is_sealed(row.secret) or not is_sealed(row.access_token):
            row.secret, row.access_token = seal.seal(seal.unseal(row.secret)), seal.seal(seal.unseal(row.access_token))
            session.add(row)
            done += 1
    return done
