"""Reminders to an office a round has waited on for sign-off: one every REMIND_EVERY working days it waits, to its
holder and whoever acts for the ปลัด, each claimed once in the ledger (the key names the wait and the count)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from base.settings import Settings
from base.values import BANGKOK
from domain.signoff import remind_due
from handlers.reminders import queue_deliveries
from handlers.signoff import office_deliveries
from storage.answers import add_marks, units_marked
from storage.db import Database
from storage.holidays import org_calendar
from storage.models import Organisation
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
            mark = f"so{row.id}-p{row.position}-r{count}"
            if count < 1 or await units_marked(session, row.round_id, mark):  # none due, or this one queued already
                continue
            waited = calendar.between(row.step_since.astimezone(BANGKOK).date(), today)
            deliveries, _name = await office_deliveries(session, settings, org, row, today=today, waited=waited)
            await queue_deliveries(session, org_id, deliveries, settings.data_dir, mark)
            await add_marks(session, org_id, row.round_id, [(0, mark)])
            reminded += 1
    return reminded
