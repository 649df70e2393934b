"""Every LINE channel of a deployment: the settings' own, and the organisations' own (storage/line_channels.py).

A provincial office may serve hundreds of organisations from one deployment, each on its own Official
Account. Each channel gets its own adapter (its secret checks its webhooks, its token sends), all of them
on one pool of connections to LINE; the channels are read as bot/adapters/own_channels.py reads them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from base.events import Message
from base.settings import Settings
from bot.adapters.http import SharedSession
from bot.adapters.line import Channel, LineAdapter, timeout
from bot.adapters.own_channels import OwnChannels
from scheduler.outbox import PermanentFailure
from storage.db import Database
from storage.line_channels import all_channels
from storage.line_usage import add_pushes_of
from storage.models import LineChannel
from storage.sealed import sealer

log = logging.getLogger(__name__)


class LineChannels(OwnChannels[LineChannel, LineAdapter]):
    def __init__(self, settings: Settings, db: Database, clock: Callable[[], float] = time.monotonic):
        super().__init__(db, all_channels, lambda row: row.name, clock)
        self.settings = settings
        self.http = SharedSession(timeout())
        self.default = LineAdapter(settings, db, http=self.http) if settings.line_channel_secret else None

    def make(self, row: LineChannel, previous: LineAdapter | None) -> LineAdapter:
        """The same adapter while the credentials are (its pushes' counts stay with it)."""
        seal = sealer(self.settings)
        channel = Channel(row.name, seal.unseal(row.secret), seal.unseal(row.access_token), row.org_id)
        if previous is not None and previous.channel == channel:
            return previous
        return LineAdapter(self.settings, self.db, channel, http=self.http)

    async def named(self, name: str, *, recheck: bool = False) -> LineAdapter | None:
        """The adapter of the organisation's channel called ``name``; None when there is none (``recheck``: its
        signature failed)."""
        return await self.keyed(name, recheck=recheck)

    async def of_org(self, org_id: int) -> LineAdapter | None:
        """The channel the organisation's people are on: its own, else the deployment's."""
        return await self.own(org_id) or self.default

    async def every(self) -> list[LineAdapter]:
        """The deployment's channel and every organisation's, read now (the daily quota check)."""
        await self.fresh(within=0)
        return ([self.default] if self.default else []) + self.all_held()

    async def check_quotas(self) -> None:
        """One channel's failure (a revoked token) does not keep the others' quotas unread."""
        for adapter in await self.every():
            try:
                await adapter.check_quota()
            except Exception as e:
                log.warning("could not read the quota of LINE channel %r: %s", adapter.channel.name, type(e).__name__)

    async def flush_counts(self) -> None:
        for adapter in self.retire():
            await adapter.close()  # its counts written; the shared connections stay open
        counted: dict[str, dict[str, int]] = {}
        for adapter in self._adapters():  # every channel's counts in one transaction
            if months := adapter.take_counts():
                counted[adapter.channel.name] = months
        await add_pushes_of(self.db, counted)

    def _adapters(self) -> list[LineAdapter]:
        return ([self.default] if self.default else []) + self.held()

    async def close(self) -> None:
        for adapter in self.retire() + self._adapters():
            await adapter.close()
        await self.http.close()


class LineSender:
    """The outbox dispatcher's way to LINE: one push per row, on the channel of the row's organisation, with
    the row's retry key. Each channel is its own lane of the rate limiter: 2,000 a second each."""

    def __init__(self, channels: LineChannels):
        self.channels = channels

    async def lane(self, org_id: int) -> str:
        adapter = await self.channels.of_org(org_id)
        return f"line/{adapter.channel.name}" if adapter is not None and adapter.channel.name else "line"

    async def send(self, chat_id: str, message: Message, key: str = "", org_id: int = 0) -> None:
        adapter = await self.channels.of_org(org_id)
        if adapter is None:
            raise PermanentFailure("no LINE channel for this organisation")
        await adapter.push(chat_id, await adapter.render(message, to=chat_id), key)

    async def flush(self) -> None:
        await self.channels.flush_counts()
