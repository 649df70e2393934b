"""What the tick tidies, at most once an hour a process: keys and drafts past their use, uploaded files that
nothing refers to after the retention period, and a warning while free disk is low."""

from __future__ import annotations

import datetime as dt
import logging
import time

from base.settings import Settings
from storage.db import Database
from storage.evidence import free_mb, past_retention, sweep
from storage.people import referenced_files
from storage.repo import list_organisations
from storage.retention import purge_expired

log = logging.getLogger(__name__)
EVERY = 3600.0
_last = 0.0


async def housekeep(db: Database, settings: Settings, now: dt.datetime, *, force: bool = False) -> dict[str, int]:
    """Delete what has outlived its use; idempotent, so two workers doing it at once do no harm."""
    global _last
    if not force and time.monotonic() - _last < EVERY:
        return {}
    _last = time.monotonic()
    async with db.session() as s:  # a draft untouched for three retention periods is abandoned (a round: a month)
        stale = now - dt.timedelta(days=3 * settings.evidence_retention_days)
        done = {**await purge_expired(s, now, stale), "files": 0}
    async with db.session(commit=False) as s:
        org_ids = [o.id for o in await list_organisations(s) if o.id is not None]
    for org_id in org_ids:  # what an organisation's answers refer to is read only when it has files past retention
        if old := past_retention(settings, org_id, now):
            async with db.session(commit=False) as s:
                kept = await referenced_files(s, org_id)
            done["files"] += sweep(settings, old, kept)
    free = free_mb(settings)
    if free < 2 * settings.disk_floor_mb:
        log.error("disk low: %d MB free (uploads are refused below %d MB)", free, settings.disk_floor_mb)
    if any(done.values()):
        log.info("housekeeping: %s", done)
    return done
