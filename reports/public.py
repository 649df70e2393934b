"""The public pages for ITA's open-data indicators: an organisation's page, each year's plan (HTML, PDF, XLSX),
each public round's page with its figures and rules, and the round's documents as they were published.

Everything is read from what is public — the plan, and rounds an admin published or that are closed — through
``storage.publication``; no person, chat or evidence file is read. Links are relative, so the same pages work
served live (``/p/<slug>/…``) and written as plain files (``tidtam publish export``). A closed round is frozen
(its documents written, its figures kept) the first time it is shown; what is published then never changes
unless an admin publishes the round again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.settings import Settings
from base.values import BANGKOK, utcnow
from domain.budget import budget_basis
from domain.signoff import check_text
from domain.status import percent
from domain.vocabulary import AWAITING
from locales.errors import UserError
from locales.i18n import _
from locales.labels import status_label
from locales.thai import format_amount, format_date, format_datetime, to_thai_digits
from storage.models import (
    FiscalYear,
    Organisation,
    OrgKind,
    Oversight,
    Publication,
    PublishedRound,
    Round,
    RoundState,
    Status,
)
from storage.publication import PublicRound, Site, public_rounds, years
from storage.repo import ItemView, Plan
from storage.signoff import approval_of, has_chain

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
CSS = TEMPLATES / "public" / "public.css"
ROUND_FILES = {
    "report.pdf": "application/pdf",
    "report.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "tables.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PLAN_FILES = {"plan.pdf": "application/pdf", "plan.xlsx": ROUND_FILES["tables.xlsx"]}
CSV = "text/csv; charset=utf-8"
DATA_FILES = {"dataset.json": "application/json", "plan.csv": CSV}  # a year's open dataset (reports/opendata.py)
ROUND_DATA = {"results.csv": CSV}  # a published round's results as open data


@dataclass
class Page:
    html: str
    modified: dt.datetime


@cache
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def texts() -> dict[str, str]:
    return {
        "skip": _("Skip to the content"),
        "crumbs": _("You are here"),
        "footer": _(
            "Published with Tidtam. Every figure is computed from the units' recorded answers; its rule is stated "
            "beside it."
        ),
        "overseen": _("Organisations overseen"),
        "overseen_caption": _("Each organisation's latest published round"),
        "overseen_rule": _(
            "Carried out = items whose status is “completed” ÷ all items in that organisation's plan × 100, in "
            "its latest published round. Only organisations whose page is public are listed."
        ),
        "organisation": _("Organisation"),
        "latest_round": _("Latest published round"),
        "n_items": _("Items"),
        "carried_out": _("Carried out"),
        "published_on": _("Published on"),
        "none_yet": _("None published yet"),
        "plan_html": _("The anti-corruption action plan (web page)"),
        "no_round_yet": _("No report of this year is published yet."),
        "plan_intro": _(
            "Projects, activities and measures by dimension and mission, with their budgets and the units responsible."
        ),
        "download": _("Download"),
        "code": _("Code"),
        "item": _("Project, activity or measure"),
        "budget": _("Budget (baht)"),
        "units": _("Responsible units"),
        "published_while_open": _("published by the administrator while the round was still open"),
        "override": _("Published before the executives' approval. The administrator's reason:"),
        "report": _("Report"),
        "tables": _("Tables"),
        "open_data": _("Open data"),
        "dataset": _("the dataset's description for data.go.th (JSON), with its CSV files"),
        "results_csv": _("Results by item"),
        "figures": _("Figures"),
        "by_status": _("Items by status"),
        "status": _("Status"),
        "all_items": _("All items"),
        "items_heading": _("Items and their status"),
        "items_caption": _("Each item's status in this round; an item owned by several units shows each unit's answer"),
    }


def _money(value: Decimal | None) -> str:
    return format_amount(value, no_budget=_("no budget"))


def _year_title(year_be: int) -> str:
    return _("Anti-corruption action plan, fiscal year {year}").format(year=year_be)


def _round_title(rnd: Round, year_be: int) -> str:
    return _("Report on the plan: {months}-month round, fiscal year {year}").format(months=rnd.months, year=year_be)


class PublicSite:
    """One live organisation's public pages and files. ``static``: links end in index.html (plain files)."""

    def __init__(self, session: AsyncSession, settings: Settings, site: Site, *, static: bool = False):
        self.session, self.settings, self.site, self.static = session, settings, site, static
        self.org: Organisation = site.org
        self.folder = settings.data_dir / "public" / str(self.org.id)

    # ------------------------------------------------------------ helpers
    def _dir(self, path: str) -> str:
        return path + ("index.html" if self.static else "")

    def _render(self, template: str, depth: int, title: str, crumbs: list[tuple[str, str]], **kw: Any) -> str:
        up = "../" * depth
        return (
            _env()
            .get_template(f"public/{template}")
            .render(
                lang="th",
                title=title,
                org_name=self.org.name,
                org_link=self._dir(up or "./"),
                root=up + "../",
                crumbs=crumbs,
                t=texts(),
                **kw,
            )
        )

    async def _year(self, year_be: int) -> FiscalYear | None:
        q = select(FiscalYear).where(FiscalYear.org_id == self.org.id, FiscalYear.year_be == year_be)
        return (await self.session.exec(q)).first()

    async def public_round(self, year_be: int, months: int) -> PublicRound | None:
        return next(
            (
                p
                for p in await public_rounds(self.session, self.org.id)
                if p.fiscal_year.year_be == year_be and p.round.months == months
            ),
            None,
        )

    # ------------------------------------------------------------ the organisation
    async def org_page(self) -> Page:
        rounds = [(p, p.published) for p in await public_rounds(self.session, self.org.id)]
        blocks = []
        for fy in await years(self.session, self.org.id):
            mine = [(p, pub) for p, pub in rounds if p.fiscal_year.id == fy.id]
            blocks.append(
                {
                    "year": fy.year_be,
                    "heading": _year_title(fy.year_be),
                    "href": self._dir(f"{fy.year_be}/"),
                    "href_pdf": f"{fy.year_be}/plan.pdf",
                    "href_xlsx": f"{fy.year_be}/plan.xlsx",
                    "rounds": [
                        {
                            "name": _round_title(p.round, fy.year_be),
                            "href": self._dir(f"{fy.year_be}/{p.round.months}/"),
                            "href_pdf": f"{fy.year_be}/{p.round.months}/report.pdf",
                            "href_docx": f"{fy.year_be}/{p.round.months}/report.docx",
                            "href_xlsx": f"{fy.year_be}/{p.round.months}/tables.xlsx",
                            "published": _bangkok_date(pub.published_at),
                        }
                        for p, pub in mine
                    ],
                }
            )
        overseen = await self._overseen() if self.org.kind == OrgKind.OVERSIGHT else None
        line = place_line(self.org)
        html = self._render("org.html", 0, self.org.name, [], years=blocks, overseen=overseen, org_line=line)
        stamps = [pub.published_at for _p, pub in rounds] + [self.site.publication.changed_at]
        return Page(html, max(stamps))

    async def _overseen(self) -> list[dict[str, Any]]:
        rows = (
            await self.session.exec(
                select(Organisation, Publication)
                .join(Oversight, col(Oversight.org_id) == Organisation.id)
                .join(Publication, col(Publication.org_id) == Organisation.id)
                .where(Oversight.overseer_id == self.org.id, col(Publication.live))
                .order_by(Organisation.name)
            )
        ).all()
        out = []
        for org, pub in rows:
            latest = next(iter(await public_rounds(self.session, org.id)), None)  # what that organisation published
            f = latest.published.figures if latest else {}
            out.append(
                {
                    "name": org.name,
                    "href": self._dir(f"../{pub.slug}/"),
                    "round": _round_title(latest.round, latest.fiscal_year.year_be) if latest else "",
                    "round_href": self._dir(f"../{pub.slug}/{latest.fiscal_year.year_be}/{latest.round.months}/")
                    if latest
                    else "",
                    "n": f.get("items", "-"),
                    "share": f"{f['carried_out_share']}%" if f else "-",
                    "published": _bangkok_date(latest.published.published_at) if latest else "-",
                }
            )
        return out

    # ------------------------------------------------------------ a year's plan
    async def _views(self, year_be: int) -> list[ItemView] | None:
        fy = await self._year(year_be)
        return None if fy is None else await Plan(self.session, self.org.id).views(fy)

    def _plan_html(self, fy: FiscalYear, views: list[ItemView], *, pdf: bool = False) -> str:
        year_be = fy.year_be
        dims: dict[int, dict[str, Any]] = {}
        overall = Decimal("0.00")
        for v in views:
            d = dims.setdefault(
                v.dimension.id,
                {
                    "heading": _("Dimension {code} {title}").format(
                        code=to_thai_digits(v.dimension.code), title=v.dimension.title
                    ),
                    "missions": {},
                    "sum": Decimal(0),
                    "n": 0,
                },
            )
            m = d["missions"].setdefault(v.mission.id, {"heading": f"{v.mission.code} {v.mission.title}", "rows": []})
            basis = budget_basis(v.item)
            d["sum"] += basis or 0
            d["n"] += 1
            overall += basis or 0
            m["rows"].append(
                {
                    "code": v.item.code,
                    "title": v.item.title,
                    "kind": "" if v.item.title.startswith(v.item.kind.value) else v.item.kind.value,
                    "budget": _money(basis),
                    "units": ", ".join(v.unit_names) or "-",
                }
            )
        blocks = [
            {
                "heading": d["heading"],
                "missions": list(d["missions"].values()),
                "total": _(
                    "Total of this dimension: {n} item(s), {amount} baht (the sum of its items' budgets)"
                ).format(n=d["n"], amount=_money(d["sum"])),
            }
            for d in dims.values()
        ]
        totals = _(
            "{n} item(s), budget {amount} baht in all: the sum of every item's budget (the ordinance budget where an "
            "item has one, else its plan budget; items without a budget count 0)."
        ).format(n=len(views), amount=_money(overall))
        crumbs = [(self.org.name, self._dir("../"))]
        approved = (
            _("The executive approved this plan on {date} ({who}).").format(
                date=format_date(fy.plan_approved_on), who=fy.plan_approved_by
            )
            if fy.plan_approved_on
            else ""
        )
        html = self._render(
            "year.html", 1, _year_title(year_be), crumbs, dimensions=blocks, totals=totals, approved=approved
        )
        if pdf:  # WeasyPrint: the styles inline, the font the documents use
            from reports.pdf import _fonts

            fonts = _fonts()
            style = (
                f'@font-face{{font-family:"Sarabun";src:url("{fonts["font_regular"]}")}}'
                f'@font-face{{font-family:"Sarabun";font-weight:bold;src:url("{fonts["font_bold"]}")}}'
                "@page{size:A4 landscape;margin:12mm}" + CSS.read_text(encoding="utf-8")
            )
            html = html.replace('<link rel="stylesheet" href="../../static/public.css">', f"<style>{style}</style>")
        return html

    async def year_page(self, year_be: int) -> Page | None:
        fy = await self._year(year_be)
        views = await self._views(year_be)
        if fy is None or not views:
            return None
        return Page(self._plan_html(fy, views), self.site.publication.changed_at)

    async def plan_file(self, year_be: int, name: str) -> Path | None:
        """plan.pdf or plan.xlsx as last written when the admin published (``write_plan_files``); never laid out
        here, so a visitor's request costs a file read."""
        if name not in PLAN_FILES:
            return None
        written = sorted((self.folder / "plan").glob(f"{year_be}-*-{name}"), key=lambda p: p.stat().st_mtime_ns)
        return written[-1] if written else None

    async def plan_jobs(self) -> list[tuple[Path, Any]]:
        """The plan files of every year still to lay out, once for each version of the plan (named by its content's
        hash): read now, written by ``write_files`` after the session is closed (the layout holds no lock)."""
        jobs = []
        for fy in await years(self.session, self.org.id):
            views = await self._views(fy.year_be)
            if not views:
                continue
            html = self._plan_html(fy, views, pdf=True)
            stamp = hashlib.sha256(html.encode()).hexdigest()[:16]
            for name in PLAN_FILES:
                path = self.folder / "plan" / f"{fy.year_be}-{stamp}-{name}"
                if path.exists():
                    os.utime(path)  # the newest version is the one served
                else:
                    jobs.append((path, _plan_writer(name, html, views)))
        return jobs

    # ------------------------------------------------------------ a round
    async def round_page(self, year_be: int, months: int) -> Page | None:
        p = await self.public_round(year_be, months)
        if p is None:
            return None
        pub = p.published
        crumbs = [(self.org.name, self._dir("../../")), (_year_title(year_be), self._dir("../"))]
        html = self._render(
            "round.html",
            2,
            _round_title(p.round, year_be),
            crumbs,
            f=pub.figures,
            published=format_datetime(pub.published_at),
            frozen_open=pub.figures.get("state") == RoundState.OPEN.value,
        )
        return Page(html, pub.published_at)

    async def round_file(self, year_be: int, months: int, name: str) -> tuple[Path, dt.datetime] | None:
        p = await self.public_round(year_be, months)
        if p is None or name not in ROUND_FILES:
            return None
        path = round_folder(self.settings, self.org.id, p.round.id) / name
        if not path.exists():  # the data folder was restored without it: the admin publishes the round again
            log.warning("published file missing, publish the round again: %s", path)
            return None
        return path, p.published.published_at

    # ------------------------------------------------------------ open data
    async def data_file(self, year_be: int, name: str) -> tuple[bytes, dt.datetime] | None:
        """The year's dataset metadata (dataset.json) or its plan as CSV (plan.csv), made on request from what is
        published; None when the year has no plan."""
        from reports.opendata import dataset, plan_csv

        fy, views = await self._year(year_be), await self._views(year_be)
        if name not in DATA_FILES or fy is None or not views:
            return None
        rounds = [p for p in await public_rounds(self.session, self.org.id) if p.fiscal_year.year_be == year_be]
        modified = max([self.site.publication.changed_at] + [p.published.published_at for p in rounds])
        if name == "plan.csv":
            return plan_csv(views), modified
        base = f"{self.settings.public_base_url or self.settings.web_base_url}/p/{self.site.publication.slug}/"
        meta = dataset(
            self.org,
            fy,
            self.site.publication.slug,
            f"{base}{year_be}/",
            rounds,
            self.site.publication.contact_email,
            modified,
        )
        return json.dumps(meta, ensure_ascii=False, indent=1).encode(), modified

    async def round_data(self, year_be: int, months: int, name: str) -> tuple[bytes, dt.datetime] | None:
        """A published round's results as CSV, from the figures frozen when it was published."""
        from reports.opendata import results_csv

        p = await self.public_round(year_be, months)
        if p is None or name not in ROUND_DATA:
            return None
        return results_csv(p.published.figures), p.published.published_at

    # ------------------------------------------------------------ addresses
    async def paths(self) -> list[str]:
        """Every page and file of the site, relative to its folder (``""`` is the organisation's page)."""
        out = [""]
        for fy in await years(self.session, self.org.id):
            out += [f"{fy.year_be}/", f"{fy.year_be}/plan.pdf", f"{fy.year_be}/plan.xlsx"]
            out += [f"{fy.year_be}/{name}" for name in DATA_FILES]
        for p in await public_rounds(self.session, self.org.id):
            base = f"{p.fiscal_year.year_be}/{p.round.months}/"
            out += [base] + [base + name for name in [*ROUND_FILES, *ROUND_DATA]]
        return out


def round_folder(settings: Settings, org_id: int, round_id: int) -> Path:
    return settings.data_dir / "public" / str(org_id) / "rounds" / str(round_id)


def _atomic(path: Path, write: Any) -> None:
    """Write through a temporary file and rename: a reader never sees half a file, two writers never clash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(name))
        os.replace(name, path)
    finally:
        if os.path.exists(name):
            os.unlink(name)


async def write_files(jobs: list[tuple[Path, Any]]) -> int:
    """Lay out and write each (path, writer) in a worker thread; returns how many were written."""
    for path, write in jobs:
        await asyncio.to_thread(_atomic, path, write)
    return len(jobs)


async def plan_documents(
    session: AsyncSession, settings: Settings, org: Organisation, fy: FiscalYear, folder: Path
) -> list[tuple[Path, Any]]:
    """The year's plan as the offices are sent it to approve (the public plan's PDF and XLSX, laid out whether or not
    the page is live): the (path, writer) jobs for ``write_files``."""
    from storage.models import Publication

    site = PublicSite(session, settings, Site(org, Publication(org_id=org.id or 0, slug="")))
    views = await Plan(session, org.id or 0).views(fy)
    html = site._plan_html(fy, views, pdf=True)
    stem = f"tidtam-{fy.year_be}-plan"
    return [(folder / f"{stem}.{name.split('.')[1]}", _plan_writer(name, html, views)) for name in PLAN_FILES]


async def plan_figures(session: AsyncSession, org_id: int, fy: FiscalYear) -> str:
    """The plan in one line — how many items, what budget — for the offices asked to approve it."""
    views = await Plan(session, org_id).views(fy)
    total = sum((budget_basis(v.item) or Decimal(0) for v in views), Decimal("0.00"))
    return _("{n} item(s), budget {amount} baht in all").format(n=len(views), amount=_money(total))


def _plan_writer(name: str, html: str, views: list[ItemView]) -> Any:
    def write(tmp: Path) -> None:
        if name == "plan.pdf":
            from reports.pdf import _write

            _write(html, tmp)
        else:
            from storage.plan_template import plan_row, write_template

            write_template(tmp, [plan_row(v) for v in views])

    return write


def _bangkok_date(value: dt.datetime) -> str:
    """The day in Bangkok: a round published at 06:00 on 1 May (23:00 UTC on 30 April) says 1 May."""
    return format_date(value.astimezone(BANGKOK).date(), thai_digits=False)


def place_line(org: Organisation) -> str:
    """ "เทศบาลตำบล อำเภอพล จังหวัดขอนแก่น": the kind, then the district and province as an address writes them
    (a district of Bangkok is a เขต, its province กรุงเทพมหานคร itself)."""
    parts = [org.kind.value] if org.kind != OrgKind.OVERSIGHT else []
    bangkok = org.province.replace("จังหวัด", "").strip() in ("กรุงเทพมหานคร", "กรุงเทพฯ")
    if org.district:
        district = org.district.strip()
        prefix = "เขต" if bangkok else "อำเภอ"
        parts.append(district if district.startswith(("อำเภอ", "เขต", "อ.")) else prefix + district)
    if org.province:
        province = org.province.strip()
        parts.append(province if province.startswith("จังหวัด") or bangkok else "จังหวัด" + province)
    return " ".join(parts)


async def public_report(session: AsyncSession, settings: Settings, org: Organisation, rnd: Round) -> Any:
    """The round's report as it would be published (``build_report(public=True)``): what the preview shows."""
    from reports.model import build_report

    return await build_report(session, settings, org, rnd, public=True)


def preview_lines(report: Any, mark_link: str = "tidtam publish link URL") -> list[str]:
    """What the admin is asked to confirm: what goes public, and what was masked in the units' typed text."""
    lines = [
        _("This will be published for {round}, fiscal year {year}:").format(
            round=_round_title(report.round, report.fiscal_year.year_be), year=report.fiscal_year.year_be
        ),
        _("• the report (PDF, DOCX) and tables (XLSX) of {n} items; carried out {share}%").format(
            n=report.items, share=percent(report.carried_out, report.items)
        ),
        _("• not published: the checks before signing, the memo, empty narrative sections"),
    ]
    kinds = {
        "name": _("names of registered people"),
        "phone": _("phone numbers"),
        "email": _("e-mail addresses"),
        "id": _("national ID numbers"),
        "link": _("links to private storage (left out)"),
    }
    if report.worded:
        lines.append(
            _("• {n} typed field(s) shown in the wording an admin chose for the public").format(n=report.worded)
        )
    masked = [f"{kinds[k]} {n}" for k, n in sorted(report.masked.items()) if n]
    lines.append(
        _("• masked in what the units typed: {what}").format(what=", ".join(masked))
        if masked
        else _("• nothing personal was found in what the units typed")
    )
    if report.masked.get("link"):
        lines.append(
            _("  A private link that is meant to be seen (a shared folder of photos): {how}").format(how=mark_link)
        )
    return lines


async def write_round_files(settings: Settings, org_id: int, round_id: int, report: Any) -> None:
    """Lay the public documents out in a worker thread and put them in place together (no session is held)."""
    from reports.export import export

    def work() -> None:
        folder = round_folder(settings, org_id, round_id)
        tmp = Path(tempfile.mkdtemp(dir=settings.data_dir))
        try:
            written = {p.name.rsplit("-", 1)[-1]: p for p in export(report, ["xlsx", "docx", "pdf"], tmp)}
            folder.mkdir(parents=True, exist_ok=True)
            for name in ROUND_FILES:
                os.replace(written[name], folder / name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    await asyncio.to_thread(work)


def figures_of(report: Any) -> dict[str, Any]:
    """What the round's public page shows, kept with the round as it was published."""
    return {
        "items": report.items,
        "counts": [[status_label(s), report.count(s)] for s in [AWAITING, *(s.value for s in Status)]],
        "carried_out_share": str(percent(report.carried_out, report.items)),
        "carried_out_rule": report.carried_out_rule_text(),
        "disbursed_rule": report.disbursed_rule_text(),
        "combined_rule": report.combined_rule_text(),
        "cumulative": report.cumulative_text() if report.cumulative else "",
        "state": report.round.state.value,
        "rows": [
            {
                "code": row.item.code,
                "title": row.item.title,
                "status": status_label(row.status),
                "units": [[a.unit, status_label(a.status)] for a in row.answers],
            }
            for row in report.rows
        ],
    }


async def may_publish(session: AsyncSession, org_id: int, rnd: Round, override: str) -> str:
    """Refuse (UserError) publishing a round of an organisation with a sign-off chain before its approval, unless
    the admin gives a reason (shown on the public page); returns the reason checked ("" when none is needed)."""
    if not await has_chain(session, org_id) or await approval_of(session, org_id, rnd.id or 0) is not None:
        return ""
    if not override.strip():
        raise UserError(
            _(
                "The {months}-month round has not been approved by the executives (/signoff {months}). To publish it "
                "before that, give the reason, which is shown on the public page: /publish round {months} override "
                "REASON"
            ).format(months=rnd.months)
        )
    return check_text(override, _("the reason to publish before approval"))


def approved_text(report: Any) -> str:
    """ "Approved by the executives on …" for the public page, from the round's standing approval."""
    if not report.approvals:
        return ""
    last = report.approvals[-1].at.astimezone(BANGKOK).date()
    return _("Approved by the executives on {date} (recorded in the Tidtam system).").format(
        date=format_date(last, thai_digits=False)  # as the page writes its other dates
    )


async def record_published(
    session: AsyncSession, org: Organisation, rnd: Round, report: Any, actor: str, override: str = ""
) -> PublishedRound:
    """Keep the figures of the documents just written; the round is public from this commit on. ``override``: why
    it was published before its approval (checked by ``may_publish``, again here: it may have been reopened)."""
    from storage.repo import audit

    override = await may_publish(session, org.id or 0, rnd, override) if not report.approvals else ""
    figures = figures_of(report)
    figures["approved"], figures["override"] = approved_text(report), override
    row = (await session.exec(select(PublishedRound).where(PublishedRound.round_id == rnd.id))).first()
    if row is None:
        row = PublishedRound(org_id=org.id, round_id=rnd.id, figures=figures)
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:  # published meanwhile by another admin: write over theirs
            row = (await session.exec(select(PublishedRound).where(PublishedRound.round_id == rnd.id))).one()
    row.figures, row.published_at, row.override = figures, utcnow(), override
    session.add(row)
    await session.flush()
    await audit(
        session,
        org.id,
        actor,
        "publish",
        "round",
        rnd.id,
        new={"items": report.items, "masked": dict(report.masked), **({"override": override} if override else {})},
    )
    return row


async def oit_addresses(session: AsyncSession, site: Site, year_be: int | None = None) -> list[tuple[str, str]]:
    """(label, path under the site) for what the ITA's open-data form asks, for each fiscal year (or one): the
    year's plan (O23 in ITA 2569), the report on the year before (O24 in ITA 2569), and the 6-month follow-up
    that earlier ITA years asked for separately. Only what is public is listed."""
    plans = {fy.year_be for fy in await years(session, site.org.id)}
    rounds = {(p.fiscal_year.year_be, p.round.months) for p in await public_rounds(session, site.org.id)}
    out: list[tuple[str, str]] = []
    for year in sorted(plans, reverse=True) if year_be is None else [year_be]:
        if year in plans:
            label = _("O23 (ITA {year}): the anti-corruption action plan of fiscal year {year}").format(year=year)
            out += [(label, f"{year}/"), (label + " — PDF", f"{year}/plan.pdf")]
        if (year - 1, 12) in rounds:
            label = _("O24 (ITA {year}): the report on the plan of fiscal year {before} (12 months)").format(
                year=year, before=year - 1
            )
            out += [(label, f"{year - 1}/12/"), (label + " — PDF", f"{year - 1}/12/report.pdf")]
        if (year, 6) in rounds:
            label = _("The 6-month follow-up of fiscal year {year} (a separate indicator in earlier ITA years)").format(
                year=year
            )
            out += [(label, f"{year}/6/"), (label + " — PDF", f"{year}/6/report.pdf")]
    return out
