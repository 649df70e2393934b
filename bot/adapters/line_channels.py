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
from storage.line_channels import all_channels
from storage.line_usage import add_pushes_of
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
        self._rows: dict[str, LineChannel] = {}  # name → the channel as last read
        self._of_org: dict[int, str] = {}  # organisation → its channel's name
        self._read_at = -REFRESH  # when every channel was last read (one statement for all of them)
        self._held: dict[str, LineAdapter] = {}  # name → the adapter made from its current credentials
        self._retired: list[LineAdapter] = []  # replaced adapters whose counts are still to be written

    async def _fresh(self, *, within: float = REFRESH) -> None:
        """Every channel, read again when the last read is ``within`` seconds old or older: a wave to thousands
        of organisations reads them once a minute, not once per organisation."""
        now = self.clock()
        if now - self._read_at < within:
            return
        async with self.db.session(commit=False) as s:
            rows = await all_channels(s)
        self._rows, self._of_org, self._read_at = {r.name: r for r in rows}, {r.org_id: r.name for r in rows}, now
        for name in [n for n in self._held if n not in self._rows]:  # removed: its counts are written at the end
            self._retired.append(self._held.pop(name))

    async def named(self, name: str, *, recheck: bool = False) -> LineAdapter | None:
        """The adapter of the organisation's channel called ``name``; None when there is none. ``recheck``: a
        signature failed, so the channels are read again if the last read is ``RECHECK`` seconds old."""
        await self._fresh(within=RECHECK if recheck else REFRESH)
        row = self._rows.get(name)
        return self._hold(row) if row is not None else None

    def _hold(self, row: LineChannel) -> LineAdapter:
        """The adapter of a channel: the one held, unless its credentials changed."""
        seal = sealer(self.settings)
        held = self._held.get(row.name)
        if held is not None and held.stamp == (row.updated_at, row.org_id):
            return held
        channel = Channel(row.name, seal.unseal(row.secret), seal.unseal(row.access_token), row.org_id)
        adapter = held if held is not None and held.channel == channel else None
        if adapter is None:
            adapter = LineAdapter(self.settings, self.db, channel, http=self.http)
            if held is not None:
                self._retired.append(held)
        adapter.stamp = (row.updated_at, row.org_id)
        self._held[row.name] = adapter
        return adapter

    async def of_org(self, org_id: int) -> LineAdapter | None:
        """The channel the organisation's people are on: its own, else the deployment's."""
        await self._fresh()
        name = self._of_org.get(org_id)
        return self._hold(self._rows[name]) if name is not None else self.default

    async def every(self) -> list[LineAdapter]:
        """The deployment's channel and every organisation's, read now (the daily quota check)."""
        await self._fresh(within=0)
        return ([self.default] if self.default else []) + [self._hold(row) for row in self._rows.values()]

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
        counted: dict[str, dict[str, int]] = {}
        for adapter in self._adapters():  # every channel's counts in one transaction
            if months := adapter.take_counts():
                counted[adapter.channel.name] = months
        await add_pushes_of(self.db, counted)

    def _adapters(self) -> list[LineAdapter]:
        return ([self.default] if self.default else []) + list(self._held.values())

    async def close(self) -> None:
        for adapter in self._retired + self._adapters():
            await adapter.close()
        self._held, self._retired = {}, []
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
