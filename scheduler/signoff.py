"""Reminders to an office a round has waited on for sign-off: one every REMIND_EVERY working days it waits, to its
holder and whoever acts for the ปลัด, each claimed once in the ledger (the key names the wait and the count, and is
looked up before the reminder is built again)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from base.settings import Settings
from base.values import BANGKOK
from domain.signoff import remind_due
from handlers.reminders import queue_deliveries
from handlers.signoff import office_deliveries
from storage.db import Database
from storage.holidays import org_calendar
from storage.models import Organisation
from storage.outbox import OutboxKey, claimed
from storage.signoff import by_id, waiting


async def remind_signoffs(db: Database, settings: Settings, now: dt.datetime, org_ids: Collection[int] | None) -> int:
    """Queue the reminders due now for every waiting sign-off; returns how many sign-offs were reminded."""
    today = now.astimezone(BANGKOK).date()
    async with db.session(commit=False) as session:
        rows = [(r.id, r.org_id) for r in await waiting(session) if org_ids is None or r.org_id in org_ids]
    reminded = 0
    for signoff_id, org_id in rows:
        async with db.session() as session:
            row = await by_id(session, org_id, signoff_id or 0)
            org = await session.get(Organisation, org_id)
            if row is None or org is None:
                continue
            calendar = await org_calendar(session, org_id)
            count = remind_due(row.step_since.astimezone(BANGKOK).date(), today, calendar)
            tag = f"so{row.id}-p{row.position}-r{count}"
            if count < 1 or await claimed(session, f"{OutboxKey.of_org(org_id)}so{row.id}:{tag}-"):
                continue  # none due, or this one queued already (not rebuilt each minute)
            waited = calendar.between(row.step_since.astimezone(BANGKOK).date(), today)
            deliveries, _name = await office_deliveries(session, settings, org, row, today=today, waited=waited)
            await queue_deliveries(session, org_id, deliveries, settings.data_dir, tag)
            reminded += 1
    return reminded
