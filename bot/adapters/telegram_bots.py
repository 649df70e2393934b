"""Every Telegram bot of a deployment: the settings' own, and the organisations' own (storage/telegram_bots.py).

A provincial office may serve hundreds of organisations from one deployment, each with its own bot (its own
name in the chat list, and its own 30 messages a second). Each bot gets its own adapter — its token sends, its
secret checks its webhooks, its updates are its organisation's alone — all of them on one pool of connections
to Telegram. Tokens are read from the database and trusted for ``REFRESH`` seconds, so a bot set or changed
with the CLI is used by the web workers and the scheduler within that time, without a restart."""

from __future__ import annotations

import time
from collections.abc import Callable

from base.settings import Settings
from bot.adapters.http import SharedSession
from bot.adapters.telegram import TIMEOUT, TelegramAdapter
from storage.db import Database
from storage.models import TelegramBot
from storage.sealed import sealer
from storage.telegram_bots import bot_of_org, bot_with_id

REFRESH = 60.0  # seconds a bot's token is used before it is read again
RECHECK = 5.0  # a webhook whose secret does not match re-reads the bot at most this often (a new secret)


class TelegramBots:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        default: TelegramAdapter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.settings, self.db, self.default, self.clock = settings, db, default, clock
        self.http = SharedSession(TIMEOUT)
        self._held: dict[str, tuple[float, TelegramAdapter]] = {}  # bot id → (read at, adapter)
        self._of_org: dict[int, tuple[float, str]] = {}  # organisation → (read at, its bot's id or "")
        self._retired: list[TelegramAdapter] = []  # replaced adapters, closed at the end

    async def with_id(self, bot_id: str, *, recheck: bool = False) -> TelegramAdapter | None:
        """The adapter of the organisation's bot with this id; None when there is none."""
        now = self.clock()
        held = self._held.get(bot_id)
        if held is not None and now - held[0] < (RECHECK if recheck else REFRESH):
            return held[1]
        async with self.db.session(commit=False) as s:
            row = await bot_with_id(s, bot_id)
        if row is None:
            if held is not None:
                self._retired.append(self._held.pop(bot_id)[1])
            return None
        return self._hold(row, now)

    def _hold(self, row: TelegramBot, now: float) -> TelegramAdapter:
        """The adapter of a bot just read: the one held, unless its token or secret changed."""
        seal = sealer(self.settings)
        settings = self.settings.model_copy(
            update={
                "telegram_bot_token": seal.unseal(row.token),
                "telegram_bot_username": row.username,
                "telegram_webhook_secret": seal.unseal(row.webhook_secret),
            }
        )
        held = self._held.get(row.bot_id)
        adapter = held[1] if held is not None else None
        if adapter is None or adapter.org_id != row.org_id or adapter.settings != settings:
            if adapter is not None:
                self._retired.append(adapter)
            adapter = TelegramAdapter(settings, self.db, webhook=True, org_id=row.org_id, http=self.http)
        self._held[row.bot_id] = (now, adapter)
        self._of_org[row.org_id] = (now, row.bot_id)
        return adapter

    async def of_org(self, org_id: int) -> TelegramAdapter | None:
        """The bot the organisation's people are on: its own, else the deployment's."""
        now = self.clock()
        held = self._of_org.get(org_id)
        if held is None or now - held[0] >= REFRESH:
            async with self.db.session(commit=False) as s:
                row = await bot_of_org(s, org_id)
            if row is not None:
                return self._hold(row, now)
            held = self._of_org[org_id] = (now, "")
        if held[1]:
            return await self.with_id(held[1])
        return self.default

    async def close(self) -> None:
        for adapter in self._retired + [a for _at, a in self._held.values()]:
            await adapter.close()
        self._held, self._retired = {}, []
        await self.http.close()  # the deployment's bot is its owner's to close
