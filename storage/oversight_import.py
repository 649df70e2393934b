"""An oversight organisation's file (CSV or XLSX) of the organisations beneath it — name, kind, district, public
address — checked whole first (every wrong cell named with its row, nothing written), then created and put beneath it
in one transaction: a province's office builds its province at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import clean_name
from domain.kinds import KIND_ALIASES, parse_kind
from domain.names import near_miss
from domain.vocabulary import OrgKind
from locales.errors import UserError
from locales.i18n import _
from storage.models import Organisation, Publication, id_of
from storage.oversight import oversee, overseen_ids
from storage.plan_file import clean_text, read_table
from storage.publication import SLUG_RE, set_slug
from storage.repo import create_organisation, this_fiscal_year

HEADERS = {
    "name": ("name", "ชื่อ", "ชื่อองค์กร", "ชื่อองค์กรปกครองส่วนท้องถิ่น", "องค์กร"),
    "kind": ("kind", "ประเภท", "ประเภทองค์กร"),
    "district": ("district", "อำเภอ"),
    "slug": ("slug", "ที่อยู่เว็บ", "ที่อยู่หน้าเผยแพร่"),
}
NAME_MAX, DISTRICT_MAX = 200, 100  # the columns' widths (storage/models.py)
SHOWN = 20  # problems listed at most; the count says how many more


@dataclass(frozen=True)
class OrgRow:
    line: int
    name: str
    kind: OrgKind
    district: str
    slug: str


@dataclass
class ImportPlan:
    """What an import would do: organisations to create, existing ones to put beneath, ones already beneath."""

    create: list[OrgRow]
    link: list[tuple[OrgRow, Organisation]]
    already: list[OrgRow]


def _columns(header: list[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = clean_text(cell).lower()
        for key, names in HEADERS.items():
            if text in names and key not in found:
                found[key] = i
    missing = [key for key in ("name", "kind") if key not in found]
    if missing:
        raise UserError(
            _("The first row must name the columns: name (ชื่อองค์กร), kind (ประเภท), district (อำเภอ), slug.")
        )
    return found


def checked(name: str, kind_text: str, district: str, slug: str) -> tuple[list[str], OrgKind]:
    """What is wrong with one organisation's values (each as "a … of …"), and the kind they name."""
    problems = []
    if not name or len(name) > NAME_MAX:
        problems.append(_("a name of 1–{n} characters").format(n=NAME_MAX))
    if len(district) > DISTRICT_MAX:
        problems.append(_("a district of at most {n} characters").format(n=DISTRICT_MAX))
    if slug and not SLUG_RE.match(slug):
        problems.append(_("a public address of letters a–z, digits and hyphens (got {slug})").format(slug=slug[:70]))
    try:
        kind = parse_kind(kind_text)
    except UserError:
        meant = near_miss(kind_text, KIND_ALIASES) if kind_text else None
        problems.append(
            _("a kind such as เทศบาลตำบล or อบต. (got {kind})").format(kind=kind_text[:40] or "-")
            + (" " + _("did you mean {guess}?").format(guess=meant) if meant else "")
        )
        kind = OrgKind.SAO
    return problems, kind


def parse_orgs(path: Path) -> list[OrgRow]:
    """Every row read and checked, or one UserError listing what is wrong (with row numbers); nothing half read."""
    table = read_table(path)
    if not table:
        raise UserError(_("The file is empty."))
    columns = _columns(table[0][1])
    rows: list[OrgRow] = []
    problems: list[str] = []
    names: dict[str, int] = {}
    slugs: dict[str, int] = {}

    def cell(cells: list[Any], key: str) -> str:
        i = columns.get(key)
        return clean_text(cells[i]) if i is not None and i < len(cells) else ""

    for line, cells in table[1:]:
        name, kind_text = clean_name(cell(cells, "name")), cell(cells, "kind")
        district, slug = cell(cells, "district"), cell(cells, "slug").lower()
        row_problems, kind = checked(name, kind_text, district, slug)
        if name in names:
            row_problems.append(_("a name not given already in row {row}").format(row=names[name]))
        if slug and slug in slugs:
            row_problems.append(_("a public address not given already in row {row}").format(row=slugs[slug]))
        names.setdefault(name, line)
        if slug:
            slugs.setdefault(slug, line)
        if row_problems:
            problems.append(_("Row {row} needs {what}.").format(row=line, what="; ".join(row_problems)))
        else:
            rows.append(OrgRow(line, name, kind, district, slug))
    if problems:
        more = len(problems) - SHOWN
        raise UserError(
            "\n".join(
                [_("Nothing was imported; {n} row(s) need fixing:").format(n=len(problems)), *problems[:SHOWN]]
                + ([_("… and {n} more.").format(n=more)] if more > 0 else [])
            )
        )
    if not rows:
        raise UserError(_("The file names no organisation."))
    return rows


async def plan_import(session: AsyncSession, overseer: Organisation, rows: list[OrgRow]) -> ImportPlan:
    """What importing ``rows`` beneath ``overseer`` would do; refused (UserError) when a row clashes with what is
    stored — an existing organisation of another kind, or a public address that is another organisation's."""
    names = [r.name for r in rows]
    existing = {o.name: o for o in (await session.exec(select(Organisation).where(col(Organisation.name).in_(names))))}
    slugs = [r.slug for r in rows if r.slug]
    taken = {
        p.slug: p.org_id for p in (await session.exec(select(Publication).where(col(Publication.slug).in_(slugs))))
    }
    beneath = set(await overseen_ids(session, id_of(overseer)))
    plan = ImportPlan([], [], [])
    problems = []
    if not overseer.province.strip() and any(r.name not in existing for r in rows):
        # the new organisations are made in the office's province: without one, a region's page could not group them
        raise UserError(
            _(
                "{office} has no province, and the organisations this file creates are made in its province: import "
                "the file beneath the province's office (made with tidtam init --kind หน่วยกำกับดูแล --province NAME)."
            ).format(office=overseer.name)
        )
    for r in rows:
        org = existing.get(r.name)
        if org is not None and org.kind != r.kind:
            problems.append(
                _("Row {row}: {name} exists already as {kind}.").format(row=r.line, name=r.name, kind=org.kind.value)
            )
        elif r.slug in taken and (org is None or taken[r.slug] != org.id):
            problems.append(
                _("Row {row}: the public address {slug} is another organisation's.").format(row=r.line, slug=r.slug)
            )
        elif org is None:
            plan.create.append(r)
        elif id_of(org) in beneath:
            plan.already.append(r)
        else:
            plan.link.append((r, org))
    if problems:
        raise UserError("\n".join([_("Nothing was imported:"), *problems[:SHOWN]]))
    return plan


async def import_orgs(
    session: AsyncSession, overseer: Organisation, plan: ImportPlan, actor: str, today: dt.date | None = None
) -> int:
    """Create what ``plan`` creates (in the overseer's province, with their public address reserved, not live) and
    put them and the existing ones directly beneath the overseer. Returns how many were put beneath."""
    created = []
    year = this_fiscal_year(today)
    for r in plan.create:
        org = await create_organisation(
            session,
            name=r.name,
            kind=r.kind,
            province=overseer.province,
            district=r.district,
            fiscal_year=year,
            actor=actor,
        )
        if r.slug:
            await set_slug(session, id_of(org), r.slug, actor)
        created.append(org)
    return await oversee(session, overseer, created + [org for _r, org in plan.link], actor)
