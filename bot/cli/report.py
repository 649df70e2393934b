"""``tidtam report export`` and ``tidtam report summary``."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import typer

from bot.cli.common import echo_json, org_session, run, state
from domain.vocabulary import STATUS_ORDER
from locales.errors import UserError
from locales.i18n import N_, _
from storage.db import Database
from storage.models import Round
from storage.repo import Rounds

app = typer.Typer(no_args_is_help=True)


def _check_months(months: int) -> None:
    if months not in (6, 12):
        raise UserError(_("A round is 6 or 12 (months)"))


async def _round(session, org_id: int, months: int, fiscal_year: int | None) -> Round:
    _check_months(months)
    repo = Rounds(session, org_id)
    return await repo.get(await repo.fiscal_year(fiscal_year), months)


@app.command(
    "export",
    help=N_("Write the round's documents: XLSX tables, DOCX report and memo, PDF, and the e-PlanNACC entry sheet."),
)
def report_export(
    round_: int = typer.Option(..., "--round", help=N_("6 or 12")),
    fiscal_year: int | None = typer.Option(None, "--fiscal-year"),
    formats: str = typer.Option("xlsx,docx,pdf,eplan", "--format"),
    out: Path = typer.Option(Path("out"), "--out"),
    digits: str | None = typer.Option(None, "--digits", help=N_("thai or arabic")),
    force: bool = typer.Option(False, "--force", help=N_("replace documents of this round already in the folder")),
) -> None:
    from reports.export import export, file_stem, parse_formats
    from reports.model import build_report

    chosen = parse_formats(formats)
    if digits not in (None, "thai", "arabic"):
        raise UserError(_("Digits are thai or arabic"))
    settings = state().settings

    async def go(db: Database):
        async with org_session(db, commit=False) as (session, org):
            rnd = await _round(session, org.id, round_, fiscal_year)
            return await build_report(
                session, settings, org, rnd, thai_digits=None if digits is None else digits == "thai"
            )

    report = run(go)
    earlier = sorted(out.glob(f"{file_stem(report)}-*")) if out.is_dir() else []
    if earlier and not force:  # the compiler may have edited the DOCX before signing
        raise UserError(
            _(
                "{folder} already holds this round's documents ({names}); nothing was replaced. Use another --out, or "
                "--force to replace them."
            ).format(folder=out, names=", ".join(p.name for p in earlier[:3]))
        )
    for path in export(report, chosen, out, parallel=True):
        typer.echo(_("Wrote {path}").format(path=path))
    print_checks(report)


def print_checks(report) -> None:
    if report.checks:
        typer.echo(_("Checks before signing ({n}):").format(n=len(report.checks)))
        for check in report.checks:
            typer.echo(f"  - {check.message}")
    else:
        typer.echo(_("Checks before signing: no issue found."))


@app.command("summary", help=N_("The round's figures (--json: exact decimals as strings, for roll-ups)."))
def report_summary(
    round_: int = typer.Option(..., "--round", help=N_("6 or 12")),
    fiscal_year: int | None = typer.Option(None, "--fiscal-year"),
    as_json: bool = typer.Option(False, "--json"),
    all_orgs: bool = typer.Option(
        False,
        "--all-orgs",
        help=N_("a roll-up: every organisation in the database, or those --org oversees when it is an oversight one"),
    ),
) -> None:
    from reports.model import build_report

    settings = state().settings
    if all_orgs:
        return _rollup(round_, fiscal_year, as_json)

    async def go(db: Database):
        async with org_session(db, commit=False) as (session, org):
            rnd = await _round(session, org.id, round_, fiscal_year)
            return await build_report(session, settings, org, rnd, thai_digits=False)

    r = run(go)
    if as_json:
        echo_json(summary_json(r))
        return
    from handlers.manager import summary_text

    typer.echo(summary_text(r.summary))
    print_checks(r)


def summary_json(r) -> dict:
    def money(v: Decimal | None) -> str | None:
        return None if v is None else format(v, "f")

    return {
        "organisation": r.org_name,
        "fiscal_year": r.fiscal_year.year_be,
        "round": r.round.months,
        "state": r.round.state.value,
        "items": r.items,
        "counts": {s: r.count(s) for s in STATUS_ORDER},
        "per_dimension": [
            {
                "dimension": d.section.code,
                "title": d.section.title,
                "items": d.planned,
                "counts": {s: sum(1 for m in d.missions for row in m.items if row.status == s) for s in STATUS_ORDER},
                "budget_plan": money(d.budget),
                "disbursed": money(d.disbursed),
                "carried_out": d.carried_out,
            }
            for d in r.dimensions
        ],
        "budget_plan": money(r.budget),
        "budget_ordinance": money(r.budget_ordinance),
        "budget_basis": money(r.budget_basis),
        "disbursed": money(r.disbursed),
        "cumulative_for_the_year": r.cumulative,
        "awaiting_answers": sum(u.awaiting for u in r.summary.units),
        "carried_from_6_months": r.summary.carried,
        "cannot_reasons": dict(sorted(r.summary.reasons.items())),
        "carried_out": {
            "items": r.carried_out,
            "share_percent": money(r.carried_out_share),
            "rule": [s.value for s in r.summary.carried_out_rule],
            "formula": "count(status in rule) / items * 100",
        },
        "disbursed_share_percent": money(r.disbursed_share),
        "disbursed_share_formula": "disbursed / sum(budget_ordinance if set else budget_plan) * 100",
        "checks": [{"kind": c.kind, "message": c.message} for c in r.checks],
    }


def _rollup(months: int, fiscal_year: int | None, as_json: bool) -> None:
    from reports.model import carried_out_rule
    from reports.rollup import all_org_ids, latest_year, rollup, rollup_json, rollup_text
    from storage.models import OrgKind
    from storage.oversight import overseen_ids
    from storage.repo import find_organisation

    _check_months(months)
    settings = state().settings

    async def go(db: Database):
        async with db.session(commit=False) as session:
            overseer = await find_organisation(session, state().org) if state().org else None
            if overseer is not None and overseer.kind == OrgKind.OVERSIGHT:
                ids = await overseen_ids(session, overseer.id)
            else:
                ids = await all_org_ids(session)
            if not ids:
                raise UserError(_("No organisations to roll up"))
            year = fiscal_year or await latest_year(session, ids)
            return await rollup(session, ids, year, months, carried_out_rule(settings))

    r = run(go)
    if as_json:
        echo_json(rollup_json(r))
    else:
        typer.echo(rollup_text(r))
