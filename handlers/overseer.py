"""The overseer's web view, platform-neutral: /oversee gives a one-time link (and, on Telegram, the page inside the
app); which of a signed-in person's organisations is the office they oversee; the page's data is every organisation
beneath the overseer's office for a round — reported, partly or not, the carried-out and disbursed shares, late units,
the last answer's date, the sign-off state, and its provinces when it spans several — and one organisation's summary:
figures and units, never a person, never what anyone typed."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from base.events import Button
from base.settings import Settings
from base.values import BANGKOK, bangkok_today
from domain.status import percent
from domain.vocabulary import STATUS_ORDER, OrgKind
from handlers.context import Ctx
from handlers.protocol import RunCommand
from handlers.signoff import state_label
from locales.errors import UserError
from locales.i18n import _
from locales.labels import status_label
from locales.thai import format_date
from reports.model import carried_out_rule
from reports.rollup import OrgFigures, latest_year, rollup
from reports.summary import round_summary
from storage.answers import Answers
from storage.db import AsyncSession
from storage.form_passes import LINK_MINUTES, Holder, issue
from storage.models import Organisation, Person
from storage.oversight import overseen_ids
from storage.people import roles_of
from storage.signoff import latest, states_of_rounds

STATES = ("reported", "partly", "none", "")  # e-PlanNACC's reported / not reported, with partly between
OVERSEE_PATH = "/oversee/"


class NotHere(UserError):
    """Asked for something that is not beneath the overseer (or by someone who is not one)."""


def state_name(state: str) -> str:
    return {
        "reported": _("reported"),
        "partly": _("partly reported"),
        "none": _("not reported"),
        "": _("round not set up"),
    }[state]


async def oversee_link(ctx: Ctx, args: str = "") -> None:
    """/oversee: a one-time link (30 minutes) to the page of every organisation beneath the overseer's office."""
    if ctx.event.chat_type == "group":
        ctx.say(_("Please use this command in a private chat with me."))
        return
    token = await issue(ctx.session, ctx.org_id, ctx.me.id or 0, "link")
    link = f"{ctx.settings.web_base_url}{OVERSEE_PATH}#t={token}"
    # in Telegram the page also opens inside the app, signed in by the Mini App's proof (no link to spend); LINE's
    # in-app page is the answer form's LIFF app alone, so there the link is the way
    in_app = [[Button(_("Open in Telegram"), RunCommand("oversee").pack(), app=OVERSEE_PATH)]]
    ctx.say(
        _(
            "Every organisation beneath {office}, on one page (the link works once, for {minutes} minutes):\n{url}"
        ).format(office=ctx.organisation.name, minutes=LINK_MINUTES, url=link),
        (in_app if ctx.event.platform == "telegram" and link.startswith("https://") else [])
        + [[Button(_("Open the page"), url=link)]],
    )


async def office_of(session: AsyncSession, holder: Holder) -> Organisation:
    """The holder's oversight organisation, when they are its overseer; NotHere otherwise."""
    person = await session.get(Person, holder.person_id)
    office = await session.get(Organisation, holder.org_id)
    if (
        person is None
        or office is None
        or office.kind != OrgKind.OVERSIGHT
        or not (await roles_of(session, person)).overseer
    ):
        raise NotHere(_("This page is for the staff of an oversight organisation."))
    return office


async def overseer_among(session: AsyncSession, holders: list[Holder]) -> Holder | None:
    """Of one person's accounts in the organisations they joined (a Telegram or LINE sign-in finds them all), the
    first that is an overseer's; None when none is."""
    for holder in holders:
        try:
            await office_of(session, holder)
        except NotHere:
            continue
        return holder
    return None


def _row(f: OrgFigures, signoffs: dict, today: dt.date) -> dict[str, Any]:
    late = len(f.awaiting_units) if f.round is not None and today > f.round.due_on else 0
    signoff = signoffs.get(f.round.id) if f.round is not None else None
    return {
        "id": f.org.id,
        "name": f.org.name,
        "kind": f.org.kind.value,
        "province": f.org.province,
        "district": f.org.district,
        "state": f.reporting,
        "state_label": state_name(f.reporting),
        "items": f.items,
        "answered": str(f.answered_share),
        "carried_out": str(f.carried_out_share),
        "disbursed": str(f.disbursed_share),
        "late_units": late,
        "last_answer": f.last_answer.astimezone(BANGKOK).date().isoformat() if f.last_answer else "",  # sorts
        "last_answer_text": format_date(f.last_answer.astimezone(BANGKOK).date(), thai_digits=False, abbr=True)
        if f.last_answer
        else "",
        "signoff": state_label(signoff) if signoff is not None else "",
    }


async def view(session: AsyncSession, settings: Settings, holder: Holder, months: int) -> dict[str, Any]:
    """Every organisation beneath the holder's office in the ``months`` round of the latest fiscal year."""
    office = await office_of(session, holder)
    ids = await overseen_ids(session, office.id or 0)
    year = await latest_year(session, ids) if ids else None
    out: dict[str, Any] = {"office": office.name, "months": months, "year": year, "rows": []}
    if year is None:
        return out
    r = await rollup(session, ids, year, months, carried_out_rule(settings))
    signoffs = await states_of_rounds(session, [f.round.id for f in r.orgs if f.round is not None and f.round.id])
    today = bangkok_today()
    out["rows"] = [_row(f, signoffs, today) for f in r.orgs]
    states = [f.reporting for f in r.orgs]
    out["totals"] = {
        "organisations": len(r.orgs),
        "by_state": [[s, state_name(s), states.count(s)] for s in STATES],
        "carried_out": str(r.carried_out_share),
        "disbursed": str(percent(r.total("disbursed"), r.total("budget_basis"))),
    }
    out["provinces"] = _provinces(r.orgs)
    names = _(" or ").join(f"“{status_label(s.value)}”" for s in r.rule)
    out["rules"] = [
        _("Reported: every owning unit has answered every item; partly: some have; not reported: none has."),
        _("Carried out = items whose status is {names} ÷ all items in the plan × 100, each organisation's own.").format(
            names=names
        ),
        _(
            "Disbursed = the latest amounts reported ÷ the budget of all items (the ordinance budget where an item has "
            "one, else its plan budget) × 100."
        ),
        _("Late units: units with an item still awaiting their answer after the round's due date."),
    ]
    if out["provinces"]:
        out["rules"].append(
            _(
                "A province's shares are over all its organisations' items and budgets: the carried-out items of all "
                "of them ÷ all their items × 100, and so for the money."
            )
        )
    return out


def _provinces(orgs: list[OrgFigures]) -> list[dict[str, Any]]:
    """A region's or the nation's page rolls up its provinces (when there is more than one): each one's organisations
    by reporting state, and its carried-out and disbursed shares over all its organisations' items and budgets (not
    an average of shares, which would weigh a 30-item plan as a 75-item one)."""
    by: dict[str, list[OrgFigures]] = {}
    for f in orgs:
        by.setdefault(f.org.province, []).append(f)
    if len(by) < 2:
        return []
    out = []
    for province in sorted(by, key=lambda p: (p == "", p)):
        group = by[province]
        states = [f.reporting for f in group]
        items, carried = sum(f.items for f in group), sum(f.carried_out for f in group)
        basis, disbursed = sum(f.budget_basis for f in group), sum(f.disbursed for f in group)
        out.append(
            {
                "province": province,
                "name": province or _("(no province)"),
                "organisations": len(group),
                "by_state": [states.count(s) for s in STATES],
                "carried_out": str(percent(carried, items)),
                "disbursed": str(percent(disbursed, basis)),
            }
        )
    return out


async def org_detail(
    session: AsyncSession, settings: Settings, holder: Holder, org_id: int, months: int
) -> dict[str, Any]:
    """One organisation beneath the office: its round's figures by status and dimension, and its units still
    awaiting — never a person, never an answer's text."""
    office = await office_of(session, holder)
    if org_id not in await overseen_ids(session, office.id or 0):
        raise NotHere(_("This organisation is not beneath your office."))
    org = await session.get(Organisation, org_id)
    answers = Answers(session, org_id)
    rnd = next((r for r in reversed(await answers.rounds()) if r.months == months), None)
    if org is None or rnd is None:
        return {"name": org.name if org else "", "round": None}
    s = await round_summary(session, org_id, rnd, carried_out_rule=carried_out_rule(settings))
    signoff = await latest(session, org_id, rnd.id or 0)
    return {
        "name": org.name,
        "round": {"months": rnd.months, "year": s.fiscal_year.year_be, "due": rnd.due_on.isoformat()},
        "items": s.items,
        "counts": [[status_label(k), s.counts[k]] for k in STATUS_ORDER],
        "dimensions": [
            [d.section.code, d.items, [[status_label(k), d.counts[k]] for k in STATUS_ORDER if d.counts[k]]]
            for d in s.per_dimension
        ],
        "awaiting_units": [[u.unit.name, u.awaiting] for u in s.silent_units],
        "signoff": state_label(signoff.state) if signoff is not None else "",
    }


HEADER = ("name", "kind", "province", "district", "state_label", "answered", "carried_out", "disbursed")


def table(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The page's rows as a table (for CSV and XLSX): what the page shows, nothing more."""
    header = [
        _("Organisation"),
        _("Kind"),
        _("Province"),
        _("District"),
        _("Reporting"),
        _("Answered (%)"),
        _("Carried out (%)"),
        _("Disbursed (%)"),
        _("Late units"),
        _("Last answer"),
        _("Sign-off"),
    ]
    rows = [[r[k] for k in HEADER] + [r["late_units"], r["last_answer"], r["signoff"]] for r in data["rows"]]
    return header, rows


def as_csv(data: dict[str, Any]) -> bytes:
    header, rows = table(data)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: Excel opens Thai CSV right


def _cell(value: Any) -> Any:
    """A spreadsheet never reads a cell as a formula (a name beginning with = + - @)."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def as_xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    header, rows = table(data)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Organisations")[:31]
    ws.append(header)
    for row in rows:
        ws.append([_cell(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def months_of(text: str | None) -> int:
    return 12 if text == "12" else 6
