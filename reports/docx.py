"""The narrative report and the cover memo as Word documents: A4, TH Sarabun New 16 pt, page numbers,
table headers repeated on every page, wide tables on landscape pages.

python-docx's ``font.name`` sets only the Latin font; Thai is a complex script, so the
``w:cs`` font and ``w:szCs`` size are set as well, or Word falls back to another face.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from locales.i18n import _
from reports.fit import column_widths
from reports.memo import memo_parts
from reports.model import RoundReport
from reports.tables import LINK_RE, Table, all_tables, checks_lines

FONT = "TH Sarabun New"
# sectPr children that come after pgNumType in the OOXML schema
PGNUMTYPE_BEFORE = (
    "cols",
    "formProt",
    "vAlign",
    "noEndnote",
    "titlePg",
    "textDirection",
    "bidi",
    "rtlGutter",
    "docGrid",
    "printerSettings",
    "sectPrChange",
)
BODY_PT = 16
TABLE_PT = 14


def set_font(rpr_owner, size: float = BODY_PT, bold: bool | None = None) -> None:
    """Latin, East Asian and complex-script font and both sizes, on a run or a style."""
    font = rpr_owner.font
    font.name = FONT
    font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = rpr_owner.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    for tag in ("w:szCs",):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.append(el)
        el.set(qn("w:val"), str(int(size * 2)))
    if bold:
        if rpr.find(qn("w:bCs")) is None:
            rpr.append(OxmlElement("w:bCs"))


def _new_document(thai_digits: bool = True) -> DocxDocument:
    doc = Document()
    normal = doc.styles["Normal"]
    set_font(normal, BODY_PT)
    normal.paragraph_format.space_after = Pt(0)
    _page(doc.sections[0], landscape=False, thai_digits=thai_digits)
    _page_numbers(doc.sections[0])
    return doc


def _page(section, *, landscape: bool, thai_digits: bool) -> None:
    """Size, margins, and page numbers in the document's digits (OOXML's thaiNumbers: ๑ ๒ ๓ in Word;
    LibreOffice does not know that format and shows 1 2 3 — never its Thai letters)."""
    sect = section._sectPr
    number_type = sect.find(qn("w:pgNumType"))
    if number_type is None:
        number_type = OxmlElement("w:pgNumType")
        later = next(
            (sect.find(qn(f"w:{tag}")) for tag in PGNUMTYPE_BEFORE if sect.find(qn(f"w:{tag}")) is not None), None
        )
        if later is None:
            sect.append(number_type)
        else:
            later.addprevious(number_type)  # Word reads sectPr's children only in the schema's order
    number_type.set(qn("w:fmt"), "thaiNumbers" if thai_digits else "decimal")
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.left_margin, section.right_margin = (Mm(20), Mm(15)) if landscape else (Mm(30), Mm(20))
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)


def _page_numbers(section, *, header: bool = False, dashes: bool = False) -> None:
    """A PAGE field, written in the section's number format (``_page``); ``dashes``: "- ๒ -" as a memo has it."""
    para = (section.header if header else section.footer).paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if dashes:
        set_font(para.add_run("- "), 14)
    run = para.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    set_font(run, 14)
    if dashes:
        set_font(para.add_run(" -"), 14)


def para(doc, text: str = "", *, size: float = BODY_PT, bold: bool = False, align=None, indent_mm: float = 0):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent_mm:
        p.paragraph_format.first_line_indent = Mm(indent_mm)
    add_text(p, text, size, bold)
    return p


def add_text(p, text: str, size: float, bold: bool) -> None:
    """Lines of text into a paragraph, each typed link a clickable hyperlink that shows the link as typed."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        at = 0
        for m in LINK_RE.finditer(line):
            if m.start() > at:
                set_font(p.add_run(line[at : m.start()]), size, bold)
            _hyperlink(p, m.group(0), size, bold)
            at = m.end()
        run = p.add_run(line[at:])
        set_font(run, size, bold)
        if i < len(lines) - 1:
            run.add_break()


def _hyperlink(p, url: str, size: float, bold: bool) -> None:
    rel = p.part.relate_to(url, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink", True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = p.add_run(url)
    set_font(run, size, bold)
    run.font.underline = True
    run.font.color.rgb = RGBColor(0x1A, 0x4F, 0x8B)
    link.append(run._r)  # moved from the paragraph into the link
    p._p.append(link)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _shade(cell, colour: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shd)


SHADES = {"dimension": "DDEBF7", "mission": "F2F2F2", "total": "FFF2CC"}


def add_table(doc, table: Table, width_mm: float) -> None:
    para(doc, table.title, bold=True, size=BODY_PT)
    t = doc.add_table(rows=1, cols=len(table.header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    widths = [Mm(w) for w in column_widths(table, width_mm, TABLE_PT, 1.95)]  # Word's cell margins: 0.19 cm
    for column, width in zip(t.columns, widths, strict=False):
        column.width = width  # the grid LibreOffice lays a fixed table out by (Word reads the cells' widths)
    head = t.rows[0]
    _repeat_header(head)
    for i, text in enumerate(table.header):
        cell = head.cells[i]
        cell.width = widths[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        set_font(run, TABLE_PT, True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _shade(cell, "BDD7EE")
    for row in table.rows:
        added = t.add_row()
        added._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row never splits across pages
        cells = added.cells
        if len(row.cells) == 1:
            merged = cells[0].merge(cells[-1])
            cells = [merged]
        elif row.span > 1:
            cells[0].merge(cells[row.span - 1])
        for i, value in enumerate(row.cells):
            if 0 < i < row.span:
                continue  # covered by the label's merged cell
            cell = cells[i]
            if len(row.cells) > 1 and row.span == 1:
                cell.width = widths[i]
            p = cell.paragraphs[0]
            add_text(p, str(value), TABLE_PT, row.kind != "data")
            if i in row.numbers:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if row.kind in SHADES:
                _shade(cell, SHADES[row.kind])
    for note in table.notes:
        para(doc, note, size=TABLE_PT)


def write_report_docx(report: RoundReport, path: Path) -> Path:
    doc = _new_document(report.thai_digits)
    center = WD_ALIGN_PARAGRAPH.CENTER
    for _i in range(6):
        para(doc)
    para(doc, _("Report on the anti-corruption action plan"), size=26, bold=True, align=center)
    para(
        doc,
        _("Fiscal year B.E. {year} — {round}").format(year=report.year_text, round=report.round_text),
        size=22,
        bold=True,
        align=center,
    )
    para(doc, f"({report.period_text})", size=20, align=center)
    for _i in range(4):
        para(doc)
    para(doc, report.org_name, size=22, bold=True, align=center)
    if report.org_address:
        para(doc, report.org_address, align=center)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    para(doc, f"{report.num(1)}. " + _("Results in brief"), bold=True)
    for line in summary_lines(report):
        para(doc, line, indent_mm=12)
    sections = narrative_sections(report)
    for n, (title, text) in enumerate(sections, start=2):
        para(doc, f"{report.num(n)}. {title}", bold=True)
        para(doc, text, indent_mm=12)
    if not report.public:
        para(doc, f"{report.num(len(sections) + 2)}. " + _("Checks before signing"), bold=True)
        for line in checks_lines(report):
            para(doc, "• " + line, indent_mm=6)
    if report.approvals:
        para(doc, _("Approval"), bold=True)
        for line in approval_block(report):
            para(doc, line, indent_mm=6)

    for table in all_tables(report):
        section = doc.add_section(WD_SECTION.NEW_PAGE)
        _page(section, landscape=table.wide, thai_digits=report.thai_digits)
        add_table(doc, table, 262 if table.wide else 160)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def summary_lines(report: RoundReport) -> list[str]:
    from domain.vocabulary import STATUS_ORDER
    from locales.labels import status_label

    lines = [
        _("The plan has {n} items with a plan budget of {budget} baht.").format(
            n=report.num(report.items), budget=report.money(report.budget)
        )
    ]
    lines.append(", ".join(f"{status_label(s)} {report.num(report.count(s))}" for s in STATUS_ORDER))
    lines += [report.carried_out_rule_text(), report.disbursed_rule_text(), report.combined_rule_text()]
    if report.cumulative:
        lines.insert(0, report.cumulative_text())
    return lines


def approval_block(report: RoundReport) -> list[str]:
    """The approval as the report states it: each office's line, then the document set's SHA-256 in full (the
    short code in each line is its first 16 digits) and — internally — the history's head when it was approved,
    which ``tidtam audit verify --head`` finds again as long as nobody rewrote the history since."""
    if not report.approvals:
        return []
    last = report.approvals[-1]
    lines = [*report.approval_lines(), _("SHA-256 of the approved document set: {hash}").format(hash=last.doc_hash)]
    if not report.public and last.chain_head:
        lines.append(_("The answers' history when approved (chain head): {hash}").format(hash=last.chain_head))
    return lines


def narrative_sections(report: RoundReport) -> list[tuple[str, str]]:
    """The compiler's three sections as typed: an empty one says so in the internal version (to be written before
    signing) and is left out of the public one."""
    n = report.narrative
    sections = [
        (_("Supporting factors"), n.supporting),
        (_("Problems and obstacles"), n.problems),
        (_("Suggestions"), n.suggestions),
    ]
    if report.public:
        return [(title, text) for title, text in sections if text.strip()]
    return [(title, text if text.strip() else _("(not written yet)")) for title, text in sections]


def write_memo_docx(report: RoundReport, path: Path) -> Path:
    """The บันทึกข้อความ layout, as the PDF's: ที่ and วันที่ on one line; no number on the first page, "- ๒ -" at
    the top of the others; the organisation's emblem top left when it gave one."""
    doc = _new_document(report.thai_digits)
    section = doc.sections[0]
    section.footer.paragraphs[0].clear()  # the memo numbers its pages at the top, from the second on
    section.different_first_page_header_footer = True
    _page_numbers(section, header=True, dashes=True)
    parts = memo_parts(report)
    title = doc.add_paragraph()  # the emblem at the left margin, the title centred on the text's width
    title.paragraph_format.tab_stops.add_tab_stop(Mm(80), WD_TAB_ALIGNMENT.CENTER)
    if report.emblem and Path(report.emblem).is_file():
        title.add_run().add_picture(str(report.emblem), height=Mm(15))
    title.add_run("\t")
    add_text(title, _("Memorandum"), 29, True)
    office, number, date, *rest = parts.header

    def field(p, label: str, value: str) -> None:
        set_font(p.add_run(label + " "), 20, True)
        set_font(p.add_run(value), BODY_PT)

    field(doc.add_paragraph(), *office)
    dateline = doc.add_paragraph()
    dateline.paragraph_format.tab_stops.add_tab_stop(Mm(80))
    field(dateline, *number)
    dateline.add_run("\t")
    field(dateline, *date)
    for label, value in rest:
        field(doc.add_paragraph(), label, value)
    for heading, paragraphs in parts.body:
        if heading:
            para(doc, heading, bold=True)
        for text in paragraphs:
            para(doc, text, indent_mm=25)
    para(doc, parts.closing, indent_mm=25)
    for block in parts.signatures:
        para(doc)
        for line in block:
            para(doc, line, align=WD_ALIGN_PARAGRAPH.CENTER)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path
