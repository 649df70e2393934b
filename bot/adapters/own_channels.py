"""What the organisations' own LINE channels and Telegram bots share: every one of a platform read from the database
in one statement at most once a minute, and an adapter held for each, made again only when its stored row changed.

A reminder wave to thousands of organisations on channels of their own reads them once a minute, not once per
organisation; a channel set, rotated or removed with the CLI is used by every web worker and the scheduler within
``REFRESH`` seconds, without a restart."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar

from storage.db import AsyncSession, Database

REFRESH = 60.0  # seconds the stored channels are used before they are read again
RECHECK = 5.0  # a webhook that does not check out re-reads them at most this often (a secret changed just now)


class Stored(Protocol):
    org_id: int
    updated_at: Any


R = TypeVar("R", bound=Stored)
A = TypeVar("A")


class OwnChannels(ABC, Generic[R, A]):
    """Stored rows of one platform by their key (a channel's name, a bot's id), and an adapter for each."""

    def __init__(
        self,
        db: Database,
        read_all: Callable[[AsyncSession], Awaitable[list[R]]],
        key: Callable[[R], str],
        clock: Callable[[], float] = time.monotonic,
    ):
        self.db, self._read_all, self._key, self.clock = db, read_all, key, clock
        self._rows: dict[str, R] = {}  # key → the row as last read
        self._of_org: dict[int, str] = {}  # organisation → its row's key
        self._read_at = -REFRESH  # when every row was last read
        self._held: dict[str, tuple[tuple, A]] = {}  # key → (the row's change time and organisation, adapter)
        self._retired: list[A] = []  # adapters replaced or removed, still to be closed by the owner

    @abstractmethod
    def make(self, row: R, previous: A | None) -> A:
        """The adapter for a row that changed: ``previous`` when its credentials did not, else a new one (each
        platform's subclass knows what its credentials are)."""

    async def fresh(self, *, within: float = REFRESH) -> None:
        """Every row, read again when the last read is ``within`` seconds old or older."""
        now = self.clock()
        if now - self._read_at < within:
            return
        async with self.db.session(commit=False) as s:
            rows = await self._read_all(s)
        self._rows = {self._key(r): r for r in rows}
        self._of_org, self._read_at = {r.org_id: self._key(r) for r in rows}, now
        for key in [k for k in self._held if k not in self._rows]:
            self._retired.append(self._held.pop(key)[1])

    async def keyed(self, key: str, *, recheck: bool = False) -> A | None:
        """The adapter of the row with this key; None when there is none. ``recheck``: a webhook did not check out,
        so the rows are read again if the last read is ``RECHECK`` seconds old."""
        await self.fresh(within=RECHECK if recheck else REFRESH)
        row = self._rows.get(key)
        return self._hold(row) if row is not None else None

    async def own(self, org_id: int) -> A | None:
        """The adapter of the organisation's own channel; None when it has none."""
        await self.fresh()
        key = self._of_org.get(org_id)
        return self._hold(self._rows[key]) if key is not None else None

    def all_held(self) -> list[A]:
        """An adapter for every row as last read."""
        return [self._hold(row) for row in self._rows.values()]

    def held(self) -> list[A]:
        return [adapter for _stamp, adapter in self._held.values()]

    def retire(self) -> list[A]:
        """The adapters replaced or removed since the last call, now the caller's to close."""
        retired, self._retired = self._retired, []
        return retired

    def _hold(self, row: R) -> A:
        stamp = (row.updated_at, row.org_id)
        held = self._held.get(self._key(row))
        if held is not None and held[0] == stamp:
            return held[1]
        previous = held[1] if held is not None else None
        adapter = self.make(row, previous)
        if previous is not None and adapter is not previous:
            self._retired.append(previous)
        self._held[self._key(row)] = (stamp, adapter)
        return adapter
