"""The running scheduler: one APScheduler job ticks every minute; a loop drains the outbox.

Only the holder of the scheduler lock (storage/leader.py: PostgreSQL's advisory lock, or a lease
row on SQLite) ticks and dispatches, so several processes may run this and exactly one is
active; the others take over when it dies. APScheduler keeps no
schedule of its own here — the tick derives everything from the database — and late
ticks are never dropped (no misfire grace limit, coalesced into one).
"""

from __future__ import annotations

import asyncio
import logging
import time

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from base.observe import TICK_SECONDS
from base.settings import Settings
from base.values import BANGKOK
from scheduler.outbox import Dispatcher, Sender
from scheduler.tick import tick
from storage import leader
from storage.db import Database

log = logging.getLogger(__name__)


class SchedulerService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        senders: dict[str, Sender],
        *,
        tick_enabled: bool = True,
        idle_sleep: float = 1.0,
        quota_check=None,
    ):
        self.db, self.settings, self.tick_enabled, self.idle_sleep = db, settings, tick_enabled, idle_sleep
        self.holder = leader.holder_id()
        self.lock = leader.for_database(db, self.holder)
        self.dispatcher = Dispatcher(db, senders, settings.data_dir, owner=self.holder)
        self.active = False
        self._scheduler: AsyncIOScheduler | None = None
        self._loop_task: asyncio.Task | None = None
        self._stopping = asyncio.Event()
        self.last_tick_seconds: float | None = None
        self.quota_check = quota_check  # LINE: read the quota and consumption once a day
        self._quota_checked = 0.0

    async def start(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=BANGKOK)
        if self.tick_enabled:
            self._scheduler.add_job(
                self.tick_once,
                CronTrigger(second=0, timezone=BANGKOK),
                id="tick",
                misfire_grace_time=None,
                coalesce=True,
                max_instances=1,
            )
        self._scheduler.start()
        self._loop_task = asyncio.create_task(self._dispatch_loop(), name="tidtam-dispatcher")

    async def stop(self, drain_seconds: float = 10.0) -> None:
        """Stop ticking; send what is already due (for up to ``drain_seconds``); let the lease go."""
        self._stopping.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        if self._loop_task is not None:
            await self._loop_task
        if self.active:
            try:
                await asyncio.wait_for(self.dispatcher.run_once(), timeout=drain_seconds)
            except TimeoutError:
                log.warning(
                    "shutdown: the outbox was not drained within %s s; the next scheduler sends the rest", drain_seconds
                )
            await self.lock.release()

    async def _hold_lock(self) -> bool:
        was = self.active
        try:
            self.active = await self.lock.acquire()
        except Exception:
            self.active = False
            raise
        if self.active and not was:
            recovered = await self.dispatcher.recover()
            log.info("this process is now the active scheduler (%s sends recovered)", recovered)
        return self.active

    async def tick_once(self) -> None:
        try:
            if not await self._hold_lock():
                return
            if self.quota_check is not None and time.monotonic() - self._quota_checked > 24 * 3600:
                try:
                    await self.quota_check()
                    self._quota_checked = time.monotonic()
                except Exception as e:
                    log.warning("could not read the LINE quota: %s", type(e).__name__)
            started = time.perf_counter()
            report = await tick(self.db, self.settings)
            self.last_tick_seconds = time.perf_counter() - started
            TICK_SECONDS.observe(self.last_tick_seconds)
            if report.queued or report.dropped or report.opened:
                log.info("tick: %s queued, %s dropped, rounds opened %s", report.queued, report.dropped, report.opened)
        except Exception:
            log.exception("tick failed; the next one will try again")

    async def _dispatch_loop(self) -> None:
        renewed = -60.0
        while not self._stopping.is_set():
            sent = 0
            try:
                if time.monotonic() - renewed > (10 if self.active else 5):  # renew, or try to take over
                    await self._hold_lock()
                    renewed = time.monotonic()
                if self.active:
                    sent = await self.dispatcher.run_once(max_sends=50)
            except Exception:
                log.exception("dispatcher pass failed; retrying")
            if not sent:
                try:
                    await asyncio.wait_for(self._stopping.wait(), timeout=self.idle_sleep)
                except TimeoutError:
                    pass
