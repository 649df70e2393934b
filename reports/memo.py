"""The cover memo's words (บันทึกข้อความ), shared by the DOCX and PDF writers."""

from __future__ import annotations

from dataclasses import dataclass

from domain.vocabulary import STATUS_ORDER, Office
from locales.i18n import _
from locales.labels import status_label
from reports.model import RoundReport

DOTS = "." * 40


@dataclass
class MemoParts:
    header: list[tuple[str, str]]
    body: list[tuple[str, list[str]]]
    closing: str
    signatures: list[list[str]]


def memo_parts(r: RoundReport) -> MemoParts:
    office = _("Office of the Permanent Secretary, {org}").format(org=r.org_name)
    if r.org_address:
        office += " " + r.org_address
    subject = _("Results of the anti-corruption action plan, fiscal year B.E. {year}, {round}").format(
        year=r.year_text, round=r.round_text
    )
    header = [
        (_("Government agency"), office),
        (_("No."), f"{r.doc_prefix}/{DOTS[:12]}" if r.doc_prefix else DOTS[:20]),
        (_("Date"), r.date(r.today)),
        (_("Subject"), subject),
        (_("Addressed to"), r.executive),
    ]
    counts = ", ".join(f"{status_label(s)} {r.num(r.count(s))}" for s in STATUS_ORDER)
    background = [
        _(
            "{org} has an anti-corruption action plan for fiscal year B.E. {year} of {n} projects, "
            "activities and measures with a plan budget of {budget} baht, and must report on it for {round} "
            "({period})."
        ).format(
            org=r.org_name,
            year=r.year_text,
            n=r.num(r.items),
            budget=r.money(r.budget),
            round=r.round_text,
            period=r.period_text,
        )
    ]
    facts = [
        _("The responsible units reported as follows: {counts} (of {n} items).").format(
            counts=counts, n=r.num(r.items)
        ),
        r.carried_out_rule_text(),
        r.disbursed_rule_text(),
    ]
    if r.checks:
        facts.append(
            _("{n} point(s) should be checked before signing; they are listed in the report.").format(
                n=r.num(len(r.checks))
            )
        )
    proposal = [
        _(
            "It is proposed to acknowledge the report, publish it on the website of {org} and record it in e-PlanNACC."
        ).format(org=r.org_name)
    ]
    body = [(_("Background"), background), (_("Facts"), facts), (_("Considerations and proposal"), proposal)]
    decided = dict(zip(r.approvals, r.approval_lines(), strict=True))
    palad = next((line for a, line in decided.items() if a.office == Office.PALAD), None)
    executive = next((line for a, line in decided.items() if a.office == Office.EXECUTIVE), None)
    signatures = [
        [f"({DOTS})", _("Position {dots}").format(dots=DOTS[:25]), _("compiler")],
        [_("Opinion of the {title}").format(title=r.permanent_secretary)]
        + ([palad] if palad else [DOTS * 2, f"({DOTS})", r.permanent_secretary]),
        [_("Opinion / order of the {title}").format(title=r.executive)]
        + ([executive] if executive else [DOTS * 2, f"({DOTS})", r.executive]),
    ]
    return MemoParts(header, body, _("For your information and consideration."), signatures)
