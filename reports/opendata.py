"""An organisation's published plan and round results as an open dataset for data.go.th: the catalogue's metadata
(domain/opendata.py) and CSV resources — the plan's items, and each published round's results exactly as published.
No person and nothing anyone typed is in them: the plan is the organisation's, the results are statuses."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from domain.budget import budget_basis
from locales.i18n import _
from storage.models import FiscalYear, Organisation
from storage.publication import PublicRound
from storage.repo import ItemView

LICENCE = "Creative Commons Attributions"
TAGS = ("ป้องกันการทุจริต", "แผนปฏิบัติการ", "ITA", "องค์กรปกครองส่วนท้องถิ่น")


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: Excel opens Thai CSV right


def plan_csv(views: list[ItemView]) -> bytes:
    """The year's plan, an item a row: its code, headings, kind, title, budget and owning units."""
    header = [
        _("Code"),
        _("Dimension"),
        _("Mission"),
        _("Kind"),
        _("Project, activity or measure"),
        _("Budget (baht)"),
        _("Responsible units"),
    ]
    rows = []
    for v in views:
        basis = budget_basis(v.item)
        rows.append(
            [
                v.item.code,
                v.dimension.code,
                v.mission.code,
                v.item.kind.value,
                v.item.title,
                "" if basis is None else format(basis, "f"),
                ", ".join(v.unit_names),
            ]
        )
    return _csv(header, rows)


def results_csv(figures: dict[str, Any]) -> bytes:
    """A published round's results, an item a row: its combined status and each owning unit's, as published."""
    header = [_("Code"), _("Project, activity or measure"), _("Status"), _("Each unit's status")]
    rows = [
        [r["code"], r["title"], r["status"], "; ".join(f"{u}: {s}" for u, s in r.get("units", []))]
        for r in figures.get("rows", [])
    ]
    return _csv(header, rows)


def dataset(
    org: Organisation,
    fy: FiscalYear,
    slug: str,
    year_url: str,
    published: list[PublicRound],
    contact: str,
    modified: dt.datetime,
) -> dict[str, Any]:
    """The year's dataset as the catalogue's CKAN form asks for it, with its CSV resources at ``year_url``."""
    year = fy.year_be
    resources = [
        {
            "name": _("The anti-corruption action plan, fiscal year {year}").format(year=year),
            "url": f"{year_url}plan.csv",
            "format": "CSV",
            "description": _("Each project, activity and measure with its budget and responsible units."),
        }
    ] + [
        {
            "name": _("Results of the {months}-month round, fiscal year {year}").format(
                months=p.round.months, year=year
            ),
            "url": f"{year_url}{p.round.months}/results.csv",
            "format": "CSV",
            "description": p.published.figures.get("carried_out_rule", ""),
            "last_modified": p.published.published_at.isoformat(),
        }
        for p in sorted(published, key=lambda p: p.round.months)
    ]
    return {
        "data_type": "ข้อมูลสถิติ",
        "name": f"{slug}-anticorruption-{year}",
        "title": _("Anti-corruption action plan and its results, {org}, fiscal year {year}").format(
            org=org.name, year=year
        ),
        "owner_org": slug,
        "maintainer": org.name,
        "maintainer_email": contact,
        "tag_string": ",".join(TAGS),
        "notes": _(
            "The projects, activities and measures of the anti-corruption action plan of {org} for fiscal year {year}, "
            "and their results after 6 and 12 months as the organisation published them. Every figure is computed "
            "from the responsible units' recorded answers; its rule is stated beside it."
        ).format(org=org.name, year=year),
        "objective": ["พันธกิจหน่วยงาน"],
        "update_frequency_unit": "ครึ่งปี",
        "update_frequency_interval": "1",
        "geo_coverage": "เทศบาล/อบต.",
        "data_source": org.name,
        "data_format": ["CSV"],
        "data_category": "ข้อมูลสาธารณะ",
        "license_id": LICENCE,
        "data_language": ["ไทย"],
        "first_year_of_data": str(year),
        "last_year_of_data": str(year),
        "unit_of_measure": _("items"),
        "last_updated_date": modified.date().isoformat(),
        "url": year_url,
        "resources": resources,
    }
