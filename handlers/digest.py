"""The managers' weekly digest (also /digest): where the round stands, its sign-off, what changed, who is silent,
a chart."""

from __future__ import annotations

import datetime as dt

from base.events import Attachment, Message
from base.settings import Settings
from base.values import BANGKOK, utcnow
from domain.vocabulary import STATUS_ORDER
from handlers.common import clip, round_name
from handlers.context import Ctx
from handlers.manager import summary_text
from handlers.reminders import on_leave_line
from handlers.signoff import state_text, subject_of
from locales.i18n import _
from locales.labels import status_label
from locales.thai import format_date
from reports.chart import status_chart
from reports.summary import reason_text, round_summary
from storage.addresses import OrgAddresses
from storage.answers import Answers
from storage.db import AsyncSession
from storage.holidays import org_calendar
from storage.models import Organisation, Round, id_of
from storage.signoff import latest


async def build_digest(
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    rnd: Round,
    now: dt.datetime | None = None,
    book: OrgAddresses | None = None,
) -> Message:
    """The weekly digest (``book``: the organisation's address book for today, when the caller has it: the tick)."""
    now = now or utcnow()
    today = now.astimezone(BANGKOK).date()
    summary = await round_summary(session, id_of(org), rnd)
    before = await round_summary(session, id_of(org), rnd, as_of=now - dt.timedelta(days=7))
    cal = await org_calendar(session, id_of(org))
    lines = [_("Weekly digest — {org}, {date}").format(org=org.name, date=format_date(today, thai_digits=False))]
    if today <= rnd.due_on:
        lines.append(
            _("{n} working day(s) left until units must answer ({date})").format(
                n=cal.between(today, rnd.due_on), date=format_date(rnd.due_on, thai_digits=False)
            )
        )
    if today <= rnd.submit_by:
        lines.append(
            _("{n} working day(s) left until the report is submitted ({date})").format(
                n=cal.between(today, rnd.submit_by), date=format_date(rnd.submit_by, thai_digits=False)
            )
        )
    lines += ["", summary_text(summary)]
    if (row := await latest(session, id_of(org), id_of(rnd))) is not None:
        lines += ["", await state_text(session, org, await subject_of(session, id_of(org), row), row)]
    lines += ["", _("Since last week:")]
    changes = [
        f"{status_label(k)} {summary.counts[k] - before.counts[k]:+d}"
        for k in STATUS_ORDER
        if summary.counts[k] != before.counts[k]
    ]
    lines.append("  " + (" · ".join(changes) if changes else _("no change")))
    silent = sorted(
        summary.silent_units,
        key=lambda u: summary.last_answer.get(id_of(u.unit), dt.datetime.min.replace(tzinfo=dt.UTC)),
    )
    if silent:
        lines += ["", _("Silent longest:")]
        book = book or await OrgAddresses.load(session, id_of(org), today)
        for u in silent[:5]:
            last = summary.last_answer.get(id_of(u.unit))
            if last is None:
                lines.append(_("  {unit}: never answered, {n} item(s) awaiting").format(unit=u.unit.name, n=u.awaiting))
            else:
                lines.append(
                    _("  {unit}: last answer {when}, {n} item(s) awaiting").format(
                        unit=u.unit.name,
                        when=format_date(last.astimezone(BANGKOK).date(), thai_digits=False),
                        n=u.awaiting,
                    )
                )
            if away := book.away_in(id_of(u.unit)):
                lines.append("    " + on_leave_line(away))
    if summary.cannot:
        lines += ["", _("Could not be done:")]
        for item, reports in summary.cannot:
            reasons = "; ".join(clip(reason_text(r), 120) for r in reports)
            lines.append(f"  {item.code} {clip(item.title, 60)} — {reasons}")
    chart = status_chart(
        summary,
        settings.data_dir / "charts" / f"org{org.id}-round{rnd.id}-{today.isoformat()}.png",
        _("Items by dimension and status — {round}, fiscal year {year}").format(
            round=round_name(rnd), year=summary.fiscal_year.year_be
        ),
    )
    return Message("\n".join(lines), attachment=Attachment("photo", chart, chart.name))


async def digest(ctx: Ctx, args: str = "") -> None:
    """The weekly digest, now."""
    rnd = await Answers(ctx.session, ctx.org_id).current_round()
    if rnd is None:
        ctx.say(_("No round has been set up yet."))
        return
    ctx.response.messages.append(await build_digest(ctx.session, ctx.settings, ctx.organisation, rnd))
