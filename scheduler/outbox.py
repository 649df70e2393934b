"""The outbox's dispatcher: what was queued (storage/outbox.py ``enqueue``, under unique keys, so nothing is
queued twice) is claimed, sent and marked — row by row, or in batches claimed together where a platform allows
it — so a crash can repeat at most the messages in flight; rate limits, 429 retry_after and backoff are honoured.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from base.events import Message
from base.observe import SENDS
from base.values import utcnow
from storage import outbox
from storage.db import Database
from storage.models import Outbox, OutboxState, id_of
from storage.outbox import from_payload

log = logging.getLogger(__name__)
GIVE_UP_AFTER = dt.timedelta(hours=24)  # transient failures are retried until then, never dropped sooner
LEASE = dt.timedelta(minutes=2)


class RetryLater(Exception):
    """The platform asked to wait (HTTP 429 retry_after) or is briefly unavailable."""

    def __init__(self, seconds: float, reason: str = ""):
        super().__init__(reason or f"retry after {seconds}s")
        self.seconds = seconds


class PermanentFailure(Exception):
    """The send can never succeed (the chat is gone, the bot was blocked)."""


class Sender(Protocol):
    async def send(self, chat_id: str, message: Message, key: str = "", org_id: int = 0) -> None:
        """``key`` is the outbox key: a platform that deduplicates retries (LINE) uses it. ``org_id``: whose
        message it is (LINE sends on the organisation's own channel)."""


# ---------------------------------------------------------------- rate limits


@dataclass(frozen=True)
class Limits:
    per_second: float  # the whole bot
    per_chat_second: float  # one chat
    per_group_minute: float  # one group chat
    # seconds added to each window: what the platform counts arrives a little later than we send it, and
    # later still on a busy loop (2,000 LINE pushes a second keep one core busy): jitter must not earn a 429
    margin: float = 0.02
    # sent evenly over the second, a tenth at a time, not all at its start: a burst of 2,000 that arrives
    # bunched by the network's jitter is counted in one second by the platform
    smooth: bool = False


# platforms whose pushes are idempotent on their side, sent this many at a time
BATCHED = {"line": 16}

PLATFORM_LIMITS = {
    "telegram": Limits(per_second=30, per_chat_second=1, per_group_minute=20),
    "line": Limits(per_second=2000, per_chat_second=2000, per_group_minute=120000, margin=0.1, smooth=True),
}


# a row whose lane must wait longer than this goes back to the queue; a shorter wait (the pacing within a
# second) is slept through in its place in the batch
DEFER_AFTER = 0.25
TENTH = ("tenth",)  # a lane's tenth-of-a-second window: a key no chat's can be


class RateLimiter:
    """Sliding windows per lane (a platform, or one channel of it: "line/<name>"), chat and group; a 429
    pauses the lane."""

    def __init__(
        self,
        limits: dict[str, Limits],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.limits, self.clock, self.sleep = limits, clock, sleep
        self.sent: dict[tuple, deque] = defaultdict(deque)
        self.paused_until: dict[str, float] = {}
        self._acquired = 0

    def _wait_for(self, key: tuple, count: float, window: float, now: float, margin: float) -> float:
        window += margin
        times = self.sent[key]
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) < count:
            return 0.0
        return times[0] + window - now

    def wait(self, platform: str, chat_id: str, is_group: bool, *, whole_lane: bool = True) -> float:
        """Seconds until a message to this chat may go: its windows and, with ``whole_lane``, the lane's pause
        and windows too."""
        lim = self._limits(platform)
        if lim is None:
            return 0.0
        now = self.clock()
        waits = [
            self._wait_for((platform, chat_id), lim.per_chat_second, 1.0, now, lim.margin),
            self._wait_for((platform, chat_id, "g"), lim.per_group_minute, 60.0, now, lim.margin) if is_group else 0,
        ]
        if whole_lane:
            waits += [
                self.paused_until.get(platform, 0) - now,
                self._wait_for((platform,), lim.per_second, 1.0, now, lim.margin),
                self._wait_for(TENTH + (platform,), lim.per_second / 10, 0.1, now, lim.margin / 10)
                if lim.smooth
                else 0,
            ]
        return max(waits)

    async def acquire(self, platform: str, chat_id: str, is_group: bool) -> None:
        lim = self._limits(platform)
        if lim is None:
            return
        while (wait := self.wait(platform, chat_id, is_group)) > 0:
            await self.sleep(wait)
        now = self.clock()
        keys = [(platform,), (platform, chat_id)] + [(platform, chat_id, "g")] * is_group
        for key in keys + [TENTH + (platform,)] * lim.smooth:
            self.sent[key].append(now)
        self._acquired += 1
        if self._acquired % 10_000 == 0:  # chats not written to for a minute are forgotten: memory stays bounded
            for key in [k for k, times in self.sent.items() if times and times[-1] < now - 61.0]:
                del self.sent[key]

    def pause(self, platform: str, seconds: float) -> None:
        self.paused_until[platform] = max(self.paused_until.get(platform, 0), self.clock() + seconds)

    def _limits(self, lane: str) -> Limits | None:
        return self.limits.get(lane.partition("/")[0])


# ---------------------------------------------------------------- the dispatcher


def backoff(attempts: int) -> dt.timedelta:
    """5 s, 10 s, 20 s … at most 5 minutes between tries."""
    return dt.timedelta(seconds=min(300, 5 * 2 ** min(attempts - 1, 10)))


class Dispatcher:
    def __init__(
        self,
        db: Database,
        senders: dict[str, Sender],
        data_dir: Path,
        owner: str,
        limiter: RateLimiter | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ):
        self.db, self.senders, self.data_dir, self.owner = db, senders, data_dir, owner
        self.limiter = limiter if limiter is not None else RateLimiter(PLATFORM_LIMITS)
        self.clock = clock

    async def recover(self) -> int:
        """Rows left 'sending' by a holder that died go back to pending (at most one each: sent sequentially)."""
        return await outbox.release_abandoned(self.db)

    async def run_once(self, max_sends: int | None = None) -> int:
        """Send everything due now; returns how many were sent.

        Telegram rows go one at a time (claim, send, mark sent): a crash repeats at most the one in flight.
        LINE rows go in concurrent batches: LINE drops a push whose X-Line-Retry-Key it has accepted before
        (a 409), so a crash mid-batch repeats nothing, and 2,000 requests a second need concurrency.
        """
        one_by_one = [p for p in self.senders if p not in BATCHED]
        loops = [self._run_batched(p, w, max_sends) for p, w in BATCHED.items() if p in self.senders]
        if one_by_one:
            loops.append(self._run_one_by_one(one_by_one, max_sends))
        return sum(await asyncio.gather(*loops))  # each platform at its own pace

    async def _run_one_by_one(self, platforms: list[str], max_sends: int | None) -> int:
        sent = 0
        while max_sends is None or sent < max_sends:
            row = await self._claim(platforms)
            if row is None:
                break
            sent += await self._send(row)
        return sent

    async def _run_batched(self, platform: str, width: int, max_sends: int | None) -> int:
        sent = 0
        while max_sends is None or sent < max_sends:
            claimed, ok = await self._send_batch(platform, width)
            if not claimed:
                break
            sent += ok
        return sent

    async def _claim(self, platforms: list[str]) -> Outbox | None:
        """Take the next due row: a conditional UPDATE, so two dispatchers never take the same one."""
        rows = await self._claim_many(platforms, 1)
        return rows[0] if rows else None

    async def _claim_many(self, platforms: list[str], limit: int) -> list[Outbox]:
        return await outbox.claim(self.db, platforms, limit, self.owner, self.clock(), LEASE)

    async def _send(self, row: Outbox) -> int:
        # the chat's windows are its lane's (an organisation's own bot keeps its own): the ones acquire fills
        wait = self.limiter.wait(await self._lane(row), row.chat_id, row.is_group, whole_lane=False)
        if wait > 0.05:  # this chat must wait (its 1 a second, a group's 20 a minute): let the others go first
            await self._finish(row, state=OutboxState.PENDING, not_before=self.clock() + dt.timedelta(seconds=wait))
            return 0
        values = await self._deliver(row)
        await self._finish(row, **values)
        return int(values["state"] == OutboxState.SENT)

    async def _send_batch(self, platform: str, width: int) -> tuple[int, int]:
        """Claim up to 16 × ``width`` rows, send ``width`` at a time, record the outcomes in one transaction (a
        claim and a record for every 256 LINE pushes, not every 64: 1,107–1,380 → 1,567–1,776 pushes/s)."""
        rows = await self._claim_many([platform], width * 16)
        if not rows:
            return 0, 0
        gate = asyncio.Semaphore(width)

        async def one(row: Outbox) -> dict[str, Any]:
            async with gate:
                return await self._deliver(row, defer=True)

        outcomes = await asyncio.gather(*(one(r) for r in rows))
        await outbox.record(self.db, [(id_of(r), v) for r, v in zip(rows, outcomes, strict=True)], self.clock())
        flush = getattr(self.senders[platform], "flush", None)
        if flush is not None:
            await flush()
        return len(rows), sum(v["state"] == OutboxState.SENT for v in outcomes)

    async def _lane(self, row: Outbox) -> str:
        """A sender with several channels (LINE) names the organisation's: "line/<channel>", limited on its own."""
        lane = getattr(self.senders[row.platform], "lane", None)
        return await lane(row.org_id) if lane is not None else row.platform

    async def _deliver(self, row: Outbox, defer: bool = False) -> dict[str, Any]:
        """Send one row; what to record about it. ``defer``: a row whose lane must wait (its channel's 429,
        or its limit reached) goes back to the queue for that long instead of holding a place in the batch,
        so one channel's wait holds up no other channel's pushes."""
        message = from_payload(row.payload, self.data_dir)
        try:
            lane = await self._lane(row)
            if defer and (wait := self.limiter.wait(lane, row.chat_id, row.is_group)) > DEFER_AFTER:
                return dict(state=OutboxState.PENDING, not_before=self.clock() + dt.timedelta(seconds=wait))
            await self.limiter.acquire(lane, row.chat_id, row.is_group)
            await self.senders[row.platform].send(row.chat_id, message, key=row.key, org_id=row.org_id)
        except RetryLater as e:
            SENDS.labels(row.platform, "retry_later").inc()
            self.limiter.pause(lane, e.seconds)
            return dict(
                state=OutboxState.PENDING,
                attempts=row.attempts + 1,
                last_error=str(e)[:500],
                not_before=self.clock() + dt.timedelta(seconds=e.seconds),
            )
        except PermanentFailure as e:
            SENDS.labels(row.platform, "failed").inc()
            log.warning("outbox %s to %s failed for good: %s", row.id, row.platform, e)
            return dict(state=OutboxState.FAILED, attempts=row.attempts + 1, last_error=str(e)[:500])
        except Exception as e:  # network trouble: back off and retry, then give up
            SENDS.labels(row.platform, "error").inc()
            attempts = row.attempts + 1
            state = OutboxState.FAILED if self.clock() - row.created_at > GIVE_UP_AFTER else OutboxState.PENDING
            log.warning("outbox %s to %s: %s (attempt %s)", row.id, row.platform, type(e).__name__, attempts)
            return dict(
                state=state,
                attempts=attempts,
                last_error=f"{type(e).__name__}: {e}"[:500],
                not_before=self.clock() + backoff(attempts),
            )
        SENDS.labels(row.platform, "sent").inc()
        return dict(state=OutboxState.SENT, attempts=row.attempts + 1, sent_at=self.clock())

    async def _finish(self, row: Outbox, **values: Any) -> None:
        await outbox.finish(self.db, id_of(row), **values)
