"""What the tick tidies, at most once an hour a process: keys and drafts past their use, uploaded files that
nothing refers to after the retention period, and a warning while free disk is low."""

from __future__ import annotations

import datetime as dt
import logging
import time

from sqlalchemy import delete
from sqlmodel import col, select

from base.settings import Settings
from storage.db import Database
from storage.evidence import free_mb, sweep
from storage.models import DownloadLink, FormDraft, FormPass, LinkCode, Organisation
from storage.people import referenced_files

log = logging.getLogger(__name__)
EVERY = 3600.0
_last = 0.0


async def housekeep(db: Database, settings: Settings, now: dt.datetime, *, force: bool = False) -> dict[str, int]:
    """Delete what has outlived its use; idempotent, so two workers doing it at once do no harm."""
    global _last
    if not force and time.monotonic() - _last < EVERY:
        return {}
    _last = time.monotonic()
    done = {"passes": 0, "links": 0, "link_codes": 0, "drafts": 0, "files": 0}
    day = dt.timedelta(days=1)
    async with db.session() as s:
        done["passes"] = (await s.exec(delete(FormPass).where(col(FormPass.expires_at) < now - day))).rowcount
        done["links"] = (await s.exec(delete(DownloadLink).where(col(DownloadLink.expires_at) < now - day))).rowcount
        done["link_codes"] = (await s.exec(delete(LinkCode).where(col(LinkCode.expires_at) < now - day))).rowcount
        # a draft untouched for three retention periods is abandoned (a round lasts about a month)
        stale = now - dt.timedelta(days=3 * settings.evidence_retention_days)
        done["drafts"] = (await s.exec(delete(FormDraft).where(col(FormDraft.updated_at) < stale))).rowcount
    async with db.session(commit=False) as s:
        org_ids = list((await s.exec(select(Organisation.id))).all())
    for org_id in org_ids:
        async with db.session(commit=False) as s:
            kept = await referenced_files(s, org_id)
        done["files"] += sweep(settings, org_id, kept, now)
    free = free_mb(settings)
    if free < 2 * settings.disk_floor_mb:
        log.error("disk low: %d MB free (uploads are refused below %d MB)", free, settings.disk_floor_mb)
    if any(done.values()):
        log.info("housekeeping: %s", done)
    return done
