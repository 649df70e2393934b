"""The narrative report and the memo as PDF (WeasyPrint), set in the OFL Sarabun font the project ships."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from locales.i18n import _
from reports.docx import approval_block, narrative_sections, summary_lines
from reports.fit import THAI_RUN, column_widths, thai_words
from reports.memo import memo_parts
from reports.model import RoundReport
from reports.tables import LINK_RE, TICK, all_tables, checks_lines

TEMPLATES = Path(__file__).parent / "templates"
TABLE_PT, PAD_MM = 10, 1.0
PAGE_MM = {False: 160.0, True: 273.0}  # the text width of a portrait and of a landscape page (report.html)


def _thai_words(run: str) -> str:
    """A run of Thai letters with each word kept on one line. Pango's own Thai breaks (libthai) split compounds
    (หน่วย|งาน) and words it does not know — among them every word with ำ, which the documents write decomposed
    (``decompose_sara_am``) — so a line may break only between these words (a zero-width space between them)."""
    return "\u200b".join(f'<span class="w">{w}</span>' if len(w) > 1 else w for w in thai_words(run))


def thai_html(text: str) -> Markup:
    """Escaped text whose Thai words never break inside."""
    escaped = str(escape(text))
    return Markup(THAI_RUN.sub(lambda m: _thai_words(m.group(0)), escaped))


def cell_html(value: object) -> Markup:
    """A cell's text as HTML: escaped, line breaks kept, every link clickable and shown as typed."""
    text, out, at = str(value), [], 0
    for m in LINK_RE.finditer(text):
        out += [thai_html(text[at : m.start()]), Markup('<a href="{0}">{0}</a>').format(m.group(0))]
        at = m.end()
    out.append(thai_html(text[at:]))
    return Markup("".join(out)).replace("\n", Markup("<br>"))


@cache
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["cell"] = cell_html
    return env


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
        "checks": f"{r.num(len(narrative_sections(r)) + 2)}. " + _("Checks before signing"),
        "memo": _("Memorandum"),
        "approval": _("Approval"),
    }


def decompose_sara_am(html: str) -> str:
    """Write ำ as its compatibility decomposition ํ + า (it looks the same).

    Thai fonts shape ำ into those two glyphs anyway, and a PDF maps each glyph back to one
    character: left composed, every า in the file would then be extracted (copied, searched,
    read by pdftotext) as ำ. Decomposed, the text comes back right (equal under NFKD).
    """
    return html.replace("\u0e33", "\u0e4d\u0e32")


def render_report_html(r: RoundReport) -> str:
    tables = all_tables(r)
    return (
        _env()
        .get_template("report.html")
        .render(
            r=r,
            t=_labels(r),
            tables=tables,
            widths=[column_widths(t, PAGE_MM[t.wide], TABLE_PT, PAD_MM) for t in tables],
            pad=PAD_MM,
            tick=TICK,
            summary_lines=summary_lines(r),
            narrative=narrative_sections(r),
            checks=[] if r.public else checks_lines(r),
            approval=approval_block(r),
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
    """The บันทึกข้อความ; the organisation's own emblem (REPORT_EMBLEM) top left when it has one (none is shipped)."""
    emblem = r.emblem
    html = (
        _env()
        .get_template("memo.html")
        .render(
            t=_labels(r),
            parts=memo_parts(r),
            thai=r.thai_digits,
            emblem=emblem.resolve().as_uri() if emblem and emblem.is_file() else "",
            **_fonts(),
        )
    )
    return _write(html, path)
