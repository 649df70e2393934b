"""The narrative report and the memo as PDF (WeasyPrint), set in the OFL Sarabun font the project ships."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from locales.i18n import _
from reports.docx import narrative_sections, summary_lines
from reports.memo import memo_parts
from reports.model import RoundReport
from reports.tables import TICK, all_tables, checks_lines

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def _fonts() -> dict[str, str]:
    import fontpkg_sarabun

    files = fontpkg_sarabun.ROOT / "files"
    return {
        "font_regular": (files / "Sarabun-Regular.ttf").as_uri(),
        "font_bold": (files / "Sarabun-Bold.ttf").as_uri(),
    }


def _labels(r: RoundReport) -> dict[str, str]:
    return {
        "report_title": _("Report on the anti-corruption action plan"),
        "year_round": _("Fiscal year B.E. {year} — {round}").format(year=r.year_text, round=r.round_text),
        "results": f"{r.num(1)}. " + _("Results in brief"),
        "checks": f"{r.num(5)}. " + _("Checks before signing"),
        "memo": _("Memorandum"),
    }


def decompose_sara_am(html: str) -> str:
    """Write ำ as its compatibility decomposition ํ + า (it looks the same).

    Thai fonts shape ำ into those two glyphs anyway, and a PDF maps each glyph back to one
    character: left composed, every า in the file would then be extracted (copied, searched,
    read by pdftotext) as ำ. Decomposed, the text comes back right (equal under NFKD).
    """
    return html.replace("\u0e33", "\u0e4d\u0e32")


def render_report_html(r: RoundReport) -> str:
    return (
        _env()
        .get_template("report.html")
        .render(
            r=r,
            t=_labels(r),
            tables=all_tables(r),
            tick=TICK,
            summary_lines=summary_lines(r),
            narrative=[(title, r.text(text) or _("(not written yet)")) for title, text in narrative_sections(r)],
            checks=[r.text(c) for c in checks_lines(r)],
            **_fonts(),
        )
    )


@cache
def _font_config():
    """One font configuration for every document: Sarabun is read and indexed once per process."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _write(html: str, path: Path) -> Path:
    from weasyprint import HTML

    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=decompose_sara_am(html), base_url=str(TEMPLATES)).write_pdf(path, font_config=_font_config())
    return path


def write_report_pdf(r: RoundReport, path: Path) -> Path:
    return _write(render_report_html(r), path)


def write_memo_pdf(r: RoundReport, path: Path) -> Path:
    return _write(_env().get_template("memo.html").render(t=_labels(r), parts=memo_parts(r), **_fonts()), path)
