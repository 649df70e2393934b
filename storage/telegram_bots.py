"""Organisations' own Telegram bots: the bot's id (the webhook path), username, token and webhook secret (both
stored sealed, storage/sealed.py)."""

from __future__ import annotations

import re

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import utcnow
from locales.errors import UserError
from locales.i18n import _
from storage.models import ChannelAccount, TelegramBot
from storage.repo import audit
from storage.sealed import Sealer

# @BotFather's tokens are "<bot id>:<35 characters>"; a local Bot API server or an emulator takes shorter ones
TOKEN = re.compile(r"([0-9]{1,20}):[A-Za-z0-9_-]{4,200}")
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,63}")


def bot_id_of(token: str) -> str:
    """The bot's id, the token's first part; a Thai refusal when the text is not a token's shape."""
    found = TOKEN.fullmatch(token.strip())
    if found is None:
        raise UserError(_("That does not look like a bot token: @BotFather gives one like 123456789:AAH…"))
    return found.group(1)


async def bot_of_org(session: AsyncSession, org_id: int) -> TelegramBot | None:
    return (await session.exec(select(TelegramBot).where(TelegramBot.org_id == org_id))).first()


async def bot_with_id(session: AsyncSession, bot_id: str) -> TelegramBot | None:
    return (await session.exec(select(TelegramBot).where(TelegramBot.bot_id == bot_id))).first()


async def all_bots(session: AsyncSession) -> list[TelegramBot]:
    return list((await session.exec(select(TelegramBot).order_by(col(TelegramBot.bot_id)))).all())


async def set_bot(
    session: AsyncSession,
    org_id: int,
    token: str,
    username: str,
    webhook_secret: str,
    actor: str,
    *,
    seal: Sealer,
) -> TelegramBot:
    """Give the organisation its own bot, or a new token for it (another bot replaces the old one). ``username``
    is what Telegram's getMe answered for the token, so the token is known to work."""
    token, bot_id = token.strip(), bot_id_of(token)
    if not USERNAME.fullmatch(username):
        raise UserError(_("Telegram answered a bot username that is not one: {name}").format(name=username[:64]))
    taken = await bot_with_id(session, bot_id)
    if taken is not None and taken.org_id != org_id:
        raise UserError(_("This bot already serves another organisation: one bot serves one organisation"))
    row = await bot_of_org(session, org_id)
    action = "update" if row is not None else "create"
    row = row or TelegramBot(org_id=org_id, bot_id=bot_id, username=username, token="", webhook_secret="")
    row.bot_id, row.username, row.updated_at = bot_id, username, utcnow()
    row.token, row.webhook_secret = seal.seal(token), seal.seal(webhook_secret)
    session.add(row)
    await session.flush()
    # never the token nor the secret
    await audit(session, org_id, actor, action, "telegram_bot", row.id, new={"bot_id": bot_id, "username": username})
    return row


async def remove_bot(session: AsyncSession, org_id: int, actor: str) -> TelegramBot | None:
    row = await bot_of_org(session, org_id)
    if row is not None:
        old = {"bot_id": row.bot_id, "username": row.username}
        await audit(session, org_id, actor, "delete", "telegram_bot", row.id, old=old)
        await session.delete(row)
    return row


async def telegram_accounts(session: AsyncSession, org_id: int) -> int:
    """The organisation's people on Telegram: a new bot may message each only once they have opened it."""
    q = select(func.count()).select_from(ChannelAccount)
    q = q.where(ChannelAccount.org_id == org_id, ChannelAccount.platform == "telegram")
    return int((await session.exec(q)).one())
