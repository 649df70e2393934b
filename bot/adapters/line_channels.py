"""Every LINE channel of a deployment: the settings' own, and the organisations' own (storage/line_channels.py).

A provincial office may serve hundreds of organisations from one deployment, each on its own Official
Account. Each channel gets its own adapter (its secret checks its webhooks, its token sends), all of them
on one pool of connections to LINE. Credentials are read from the database and trusted for ``REFRESH``
seconds, so a channel set or changed with the CLI is used by the web workers within that time, without a
restart."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from base.events import Message
from base.settings import Settings
from bot.adapters.http import SharedSession
from bot.adapters.line import Channel, LineAdapter, timeout
from scheduler.outbox import PermanentFailure
from storage.db import Database
from storage.line_channels import all_channels, channel_named, own_channel
from storage.models import LineChannel
from storage.sealed import sealer

log = logging.getLogger(__name__)

REFRESH = 60.0  # seconds a channel's credentials are used before they are read again
RECHECK = 5.0  # a signature that fails re-reads the channel's secret at most this often (a rotated secret)


class LineChannels:
    def __init__(self, settings: Settings, db: Database, clock: Callable[[], float] = time.monotonic):
        self.settings, self.db, self.clock = settings, db, clock
        self.http = SharedSession(timeout())
        self.default = LineAdapter(settings, db, http=self.http) if settings.line_channel_secret else None
        self._named: dict[str, tuple[float, LineAdapter]] = {}  # name → (read at, adapter)
        self._of_org: dict[int, tuple[float, str]] = {}  # organisation → (read at, its channel's name or "")
        self._retired: list[LineAdapter] = []  # replaced adapters whose counts are still to be written

    async def named(self, name: str, *, recheck: bool = False) -> LineAdapter | None:
        """The adapter of the organisation's channel called ``name``; None when there is none."""
        now = self.clock()
        held = self._named.get(name)
        if held is not None and now - held[0] < (RECHECK if recheck else REFRESH):
            return held[1]
        async with self.db.session(commit=False) as s:
            row = await channel_named(s, name)
        if row is None:
            if held is not None:
                self._retired.append(self._named.pop(name)[1])
            return None
        return self._hold(row, now)

    def _hold(self, row: LineChannel, now: float) -> LineAdapter:
        """The adapter of a channel just read: the one held, unless its credentials changed."""
        seal = sealer(self.settings)
        channel = Channel(row.name, seal.unseal(row.secret), seal.unseal(row.access_token), row.org_id)
        held = self._named.get(row.name)
        adapter = held[1] if held is not None and held[1].channel == channel else None
        if adapter is None:
            adapter = LineAdapter(self.settings, self.db, channel, http=self.http)
            if held is not None:
                self._retired.append(held[1])
        self._named[row.name] = (now, adapter)
        self._of_org[row.org_id] = (now, row.name)
        return adapter

    async def of_org(self, org_id: int) -> LineAdapter | None:
        """The channel the organisation's people are on: its own, else the deployment's."""
        now = self.clock()
        held = self._of_org.get(org_id)
        if held is None or now - held[0] >= REFRESH:
            async with self.db.session(commit=False) as s:
                row = await own_channel(s, "line", org_id)
            held = self._of_org[org_id] = (now, row.name if row is not None else "")
        if held[1]:
            return await self.named(held[1])
        return self.default

    async def every(self) -> list[LineAdapter]:
        """The deployment's channel and every organisation's, read now (the daily quota check)."""
        async with self.db.session(commit=False) as s:
            rows = await all_channels(s)
        now = self.clock()
        return ([self.default] if self.default else []) + [self._hold(row, now) for row in rows]

    async def check_quotas(self) -> None:
        """One channel's failure (a revoked token) does not keep the others' quotas unread."""
        for adapter in await self.every():
            try:
                await adapter.check_quota()
            except Exception as e:
                log.warning("could not read the quota of LINE channel %r: %s", adapter.channel.name, type(e).__name__)

    async def flush_counts(self) -> None:
        retired, self._retired = self._retired, []
        for adapter in retired:
            await adapter.close()  # its counts written; the shared connections stay open
        for adapter in self._adapters():
            await adapter.flush_counts()

    def _adapters(self) -> list[LineAdapter]:
        return ([self.default] if self.default else []) + [a for _at, a in self._named.values()]

    async def close(self) -> None:
        for adapter in self._retired + self._adapters():
            await adapter.close()
        self._named, self._retired = {}, []
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
