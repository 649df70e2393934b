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
from storage.telegram_bots import all_bots

REFRESH = 60.0  # seconds the bots' tokens are used before they are read again
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
        self._rows: dict[str, TelegramBot] = {}  # bot id → the bot as last read
        self._of_org: dict[int, str] = {}  # organisation → its bot's id
        self._read_at = -REFRESH  # when every bot was last read (one statement for all of them)
        self._held: dict[str, tuple[tuple, TelegramAdapter]] = {}  # bot id → (what it was made from, adapter)
        self._retired: list[TelegramAdapter] = []  # replaced adapters, closed at the end

    async def _fresh(self, *, within: float = REFRESH) -> None:
        """Every bot, read again when the last read is ``within`` seconds old or older: a wave to thousands of
        organisations reads them once a minute, not once per organisation."""
        now = self.clock()
        if now - self._read_at < within:
            return
        async with self.db.session(commit=False) as s:
            rows = await all_bots(s)
        self._rows, self._of_org, self._read_at = {r.bot_id: r for r in rows}, {r.org_id: r.bot_id for r in rows}, now
        for bot_id in [b for b in self._held if b not in self._rows]:
            self._retired.append(self._held.pop(bot_id)[1])

    async def with_id(self, bot_id: str, *, recheck: bool = False) -> TelegramAdapter | None:
        """The adapter of the organisation's bot with this id; None when there is none. ``recheck``: a secret did
        not match, so the bots are read again if the last read is ``RECHECK`` seconds old."""
        await self._fresh(within=RECHECK if recheck else REFRESH)
        row = self._rows.get(bot_id)
        return self._hold(row) if row is not None else None

    def _hold(self, row: TelegramBot) -> TelegramAdapter:
        """The adapter of a bot: the one held, unless its token or secret changed."""
        stamp = (row.updated_at, row.org_id)
        held = self._held.get(row.bot_id)
        if held is not None and held[0] == stamp:
            return held[1]
        seal = sealer(self.settings)
        settings = self.settings.model_copy(
            update={
                "telegram_bot_token": seal.unseal(row.token),
                "telegram_bot_username": row.username,
                "telegram_webhook_secret": seal.unseal(row.webhook_secret),
            }
        )
        adapter = held[1] if held is not None else None
        if adapter is None or adapter.org_id != row.org_id or adapter.settings != settings:
            if adapter is not None:
                self._retired.append(adapter)
            adapter = TelegramAdapter(settings, self.db, webhook=True, org_id=row.org_id, http=self.http)
        self._held[row.bot_id] = (stamp, adapter)
        return adapter

    async def of_org(self, org_id: int) -> TelegramAdapter | None:
        """The bot the organisation's people are on: its own, else the deployment's."""
        await self._fresh()
        bot_id = self._of_org.get(org_id)
        return self._hold(self._rows[bot_id]) if bot_id is not None else self.default

    async def close(self) -> None:
        for adapter in self._retired + [a for _stamp, a in self._held.values()]:
            await adapter.close()
        self._held, self._retired = {}, []
        await self.http.close()  # the deployment's bot is its owner's to close
