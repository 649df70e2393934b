"""The round's tables as one workbook: a sheet per table, frozen headers, set widths, A4 landscape."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from locales.i18n import _
from reports.model import RoundReport
from reports.tables import LINK_RE, Row, Table, all_tables, checks_lines

FONT = "TH Sarabun New"
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FILLS = {
    "dimension": PatternFill("solid", fgColor="DDEBF7"),
    "mission": PatternFill("solid", fgColor="F2F2F2"),
    "total": PatternFill("solid", fgColor="FFF2CC"),
}
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
QTY_FORMAT = "#,##0.00"  # a quantity with a fraction (2.5 ครั้ง); whole quantities use COUNT_FORMAT


def _sheet(wb: Workbook, name: str, report: RoundReport, table: Table) -> None:
    ws = wb.create_sheet(name)
    ncols = len(table.header)
    ws.append([_text(report.org_name)])
    ws.append([_text(table.title)])
    for r in (1, 2):
        ws.cell(row=r, column=1).font = Font(name=FONT, size=16, bold=True)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
    ws.append([_text(h) for h in table.header])
    header_row = 3
    for c in range(1, ncols + 1):
        cell = ws.cell(row=header_row, column=c)
        cell.font = Font(name=FONT, size=14, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        cell.fill = PatternFill("solid", fgColor="BDD7EE")
    for row in table.rows:
        values = list(row.cells) + [""] * (ncols - len(row.cells))
        for col, number in row.numbers.items():
            values[col] = number  # exact numbers, so a person can add them up in Excel
        ws.append([float(v) if isinstance(v, Decimal) else _text(v) for v in values])
        n = ws.max_row
        if len(row.cells) == 1:
            ws.merge_cells(start_row=n, start_column=1, end_row=n, end_column=ncols)
        elif row.span > 1:
            ws.merge_cells(start_row=n, start_column=1, end_row=n, end_column=row.span)
        for c in range(1, ncols + 1):
            _style(ws.cell(row=n, column=c), table, row, c - 1)
    for note in table.notes:
        ws.append([_text(note)])
        ws.cell(row=ws.max_row, column=1).font = Font(name=FONT, size=14, italic=True)
    total = sum(table.widths)
    for i, w in enumerate(table.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(6, round(w * (150 if table.wide else 110) / total))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _style(cell: Any, table: Table, row: Row, col: int) -> None:
    """A body cell: the row's weight and fill, amounts right-aligned in their format, its first link live."""
    cell.font = Font(name=FONT, size=14, bold=row.kind != "data")
    cell.alignment = Alignment(vertical="top", wrap_text=True, horizontal="right" if col in row.numbers else None)
    cell.border = BORDER
    if row.kind in FILLS:
        cell.fill = FILLS[row.kind]
    if col in row.numbers:
        cell.number_format = _number_format(table, col, row.numbers[col])
    link = LINK_RE.search(cell.value) if isinstance(cell.value, str) else None
    if link:  # a cell can hold one link: the first it shows
        cell.hyperlink = link.group(0)
        cell.font = Font(name=FONT, size=14, color="1A4F8B", underline="single")


def _number_format(table: Table, col: int, value: Decimal | int) -> str:
    """Baht with satang; counts whole; a quantity whole unless it has a fraction."""
    if col in table.money:
        return MONEY_FORMAT
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return QTY_FORMAT
    return COUNT_FORMAT


def _text(value):
    """A string without the control characters XML cannot hold (a pasted title may carry one)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def as_text_only(wb: Workbook) -> None:
    """Every string is a text cell, whatever it starts with: openpyxl takes "=…" for a formula, and a title,
    KPI or unit name from a plan file must never become one (=HYPERLINK, =cmd|…). Tidtam writes no formula:
    each number is computed here and written as a number."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"


def write_xlsx(report: RoundReport, path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, table in zip((_("Summary"), _("Report form"), _("Status e-PlanNACC")), all_tables(report), strict=False):
        _sheet(wb, name, report, table)
    if not report.public:  # the checks are the compiler's, not the public's
        ws = wb.create_sheet(_("Checks"))
        ws.append([_("Checks before signing")])
        ws.cell(row=1, column=1).font = Font(name=FONT, size=16, bold=True)
        for line in checks_lines(report):
            ws.append([_text(line)])
            ws.cell(row=ws.max_row, column=1).font = Font(name=FONT, size=14)
        ws.column_dimensions["A"].width = 140
    as_text_only(wb)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
