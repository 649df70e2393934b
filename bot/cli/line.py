"""``tidtam line usage``: LINE messages this month against the quota, and what the next round may cost."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import typer
from sqlmodel import select

from bot.cli.common import org_session, run, state, table
from locales.i18n import _
from scheduler.quota import month_of, used_percent
from storage.db import Database
from storage.models import LineUsage, Round, RoundState
from base.values import utcnow

BANGKOK = ZoneInfo("Asia/Bangkok")
app = typer.Typer(no_args_is_help=True, help="LINE Official Account: messages and quota.")


@app.command("usage", help="This month's LINE messages, the quota, and an estimate for the next round.")
def line_usage(refresh: bool = typer.Option(False, "--refresh", help="read the quota from LINE now")) -> None:
    from scheduler.tick import Policy, plan_org

    settings = state().settings
    if refresh and settings.line_channel_access_token:
        from bot.line import LineAdapter

        async def read() -> None:
            db = Database(settings.effective_database_url, new_installation=settings.new_installation)
            adapter = LineAdapter(settings, db)
            try:
                await adapter.check_quota()
            finally:
                await adapter.close()
                await db.dispose()

        asyncio.run(read())
    policy = Policy.from_settings(settings)

    async def go(db: Database):
        async with org_session(db, commit=False) as (session, org):
            row = await session.get(LineUsage, month_of(utcnow()))
            today = dt.datetime.now(BANGKOK).date()
            rounds = (await session.exec(select(Round).where(Round.org_id == org.id).order_by(Round.opens_on))).all()
            rnd = next((r for r in rounds if r.state == RoundState.OPEN), None) or next(
                (r for r in rounds if r.submit_by >= today), None
            )
            per_month: Counter = Counter()
            if rnd is not None:
                claimed: set[str] = set()
                day = max(today, rnd.opens_on)
                while day <= rnd.submit_by:
                    moment = dt.datetime.combine(day, policy.work_start, tzinfo=BANGKOK)
                    plan = await plan_org(session, settings, policy, org, rnd, moment, claimed, projection=True)
                    for p in plan.sends:
                        claimed.add(str(p.key))
                        if p.address.platform == "line":
                            per_month[day.strftime("%Y-%m")] += 1
                    day += dt.timedelta(days=1)
            return row, rnd, per_month

    row, rnd, per_month = run(go)
    quota = row.quota if row else None
    percent = used_percent(row)
    typer.echo(
        _(
            "This month ({month}): {pushed} message(s) pushed by Tidtam; LINE counts {consumed}; quota {quota}{share}"
        ).format(
            month=month_of(utcnow()),
            pushed=row.pushed if row else 0,
            consumed=row.consumed if row and row.consumed is not None else "-",
            quota=quota if quota else _("unknown or unlimited"),
            share=f" ({percent:.0f}%)" if percent is not None else "",
        )
    )
    if rnd is None:
        typer.echo(_("No round is open or coming: nothing is scheduled."))
        return
    typer.echo(_("The {n}-month round, if nobody answers (at most): ").format(n=rnd.months))
    typer.echo(table([[m, str(n)] for m, n in sorted(per_month.items())] or [["-", "0"]], [_("Month"), _("Messages")]))
