"""The ready-to-fill plan workbook: Thai headers, one example row, a sheet explaining each column."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from base.values import without_control_characters
from locales.i18n import _
from storage.plan_file import ALL_UNITS_WORDS, COLUMNS, EXAMPLE_CODE, THAI_HEADER
from storage.repo import ItemView

NO_BUDGET_TEXT = "ไม่ใช้งบประมาณ"

EXAMPLE = {
    "code": EXAMPLE_CODE,
    "strategy": "",
    "strategy_title": "",
    "dimension": "1",
    "dimension_title": "การสร้างวัฒนธรรมสุจริต",
    "mission": "1.1",
    "mission_title": "การปลูกฝังวัฒนธรรมสุจริตและความตระหนักรู้ในการต่อต้านการทุจริต",
    "subitem": "",
    "subitem_title": "",
    "number": "1",
    "type": "",
    "title": "โครงการอบรมคุณธรรมจริยธรรมแก่ผู้บริหาร สมาชิกสภา พนักงานและลูกจ้าง",
    "kpi": "ผู้เข้ารับการอบรมไม่น้อยกว่าร้อยละ 80",
    "target_unit": "คน",
    "target_qty": "100",
    "budget_plan": "๒๐,๐๐๐",
    "budget_ordinance": "20,000.00",
    "units": "สำนักปลัด;กองคลัง",
    "months": "ม.ค.-มี.ค.69",
}


def column_notes() -> dict[str, str]:
    return {
        "code": _(
            "Optional. The item's code; left empty it is made from mission or sub-item, e.g. 1.1-3. "
            "Importing again updates the item with the same code. The example row's code ({example}) keeps it "
            "from being imported: delete that row."
        ).format(example=EXAMPLE_CODE),
        "strategy": _("Optional. Strategy number (older plans)."),
        "strategy_title": _("Optional. Strategy title."),
        "dimension": _("Required. Dimension 1 to 4 (Thai or Arabic digits)."),
        "dimension_title": _("The dimension's title, exactly as in the plan."),
        "mission": _("Required. Mission code such as 1.1; it must start with the dimension."),
        "mission_title": _("The mission's title, exactly as in the plan."),
        "subitem": _("Optional. Sub-item code such as 1.1.1; it must start with the mission."),
        "subitem_title": _("Optional. Sub-item title."),
        "number": _("Optional. The number printed in the plan (numbers may repeat; the code identifies the item)."),
        "type": _("Optional. โครงการ, กิจกรรม, มาตรการ or แนวปฏิบัติงาน; empty means the first word of the title."),
        "title": _("Required. The project, activity or measure as written in the plan."),
        "kpi": _("The indicator (ตัวชี้วัด)."),
        "target_unit": _("Unit of count: คน, ครั้ง, แห่ง, ชุมชน, ช่องทาง, ฉบับ, ร้อยละ …"),
        "target_qty": _("Target quantity, a number."),
        "budget_plan": _("Budget in the plan, in baht: 20,000 or ๒๐,๐๐๐.๐๐; -, empty or ไม่ใช้งบประมาณ means no budget."),
        "budget_ordinance": _("Budget in the ordinance (ข้อบัญญัติ/เทศบัญญัติ), written the same way."),
        "units": _("Responsible units separated by ; — or {all} for every unit. New names become units.").format(
            all=ALL_UNITS_WORDS[0]
        ),
        "months": _("Optional. The months it runs, e.g. ต.ค.68-ก.ย.69 or ม.ค.69."),
    }


def plan_row(view: ItemView) -> dict[str, str]:
    """One item as the template's columns: importing the row again gives the same item."""
    it = view.item

    def money(value) -> str:
        return NO_BUDGET_TEXT if it.no_budget else "" if value is None else format(value, "f")

    return {
        "code": it.code,
        "strategy": view.strategy.code if view.strategy else "",
        "strategy_title": view.strategy.title if view.strategy else "",
        "dimension": view.dimension.code,
        "dimension_title": view.dimension.title,
        "mission": view.mission.code,
        "mission_title": view.mission.title,
        "subitem": view.subitem.code if view.subitem else "",
        "subitem_title": view.subitem.title if view.subitem else "",
        "number": it.number,
        "type": it.kind.value,
        "title": it.title,
        "kpi": it.kpi,
        "target_unit": it.target_unit,
        "target_qty": "" if it.target_qty is None else format(it.target_qty, "f"),
        "budget_plan": money(it.budget_plan),
        "budget_ordinance": money(it.budget_ordinance),
        "units": ";".join(view.unit_names),
        "months": it.months,
    }


def write_template(path: Path, rows: list[dict[str, str]] | None = None) -> Path:
    """The workbook with one example row, or with ``rows`` (a year's plan, to edit into next year's)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "แผน"
    keys = list(COLUMNS)
    ws.append([THAI_HEADER[k] for k in keys])
    for row in rows or [EXAMPLE]:
        ws.append([without_control_characters(row.get(k) or "") for k in keys])
        for cell in ws[ws.max_row]:
            cell.data_type = "s"  # a title starting with "=" stays text, never a formula
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for i, key in enumerate(keys, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        width = 60 if key in ("title", "mission_title", "kpi") else 28 if key.endswith("title") else 14
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"
    kinds = DataValidation(type="list", formula1='"โครงการ,กิจกรรม,มาตรการ,แนวปฏิบัติงาน"', allow_blank=True)
    ws.add_data_validation(kinds)
    kinds.add(
        f"{ws.cell(row=2, column=keys.index('type') + 1).column_letter}2:"
        f"{ws.cell(row=2, column=keys.index('type') + 1).column_letter}{max(500, len(rows or []) + 100)}"
    )

    notes = wb.create_sheet("คำอธิบาย")
    notes.append([_("Column (Thai)"), _("Column (English)"), _("What to write")])
    for cell in notes[1]:
        cell.font, cell.fill = bold, fill
    for key, text in column_notes().items():
        notes.append([THAI_HEADER[key], key, text])
    notes.column_dimensions["A"].width = 34
    notes.column_dimensions["B"].width = 18
    notes.column_dimensions["C"].width = 100
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
