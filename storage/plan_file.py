"""Reading a plan spreadsheet (.xlsx or .csv) into checked rows — no database here.

Every cell problem is collected with its row number and column as the file names it,
so a person can fix them all in one go.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from base.values import without_control_characters
from domain.names import near_miss
from locales.errors import ParseError, UserError
from locales.i18n import _
from locales.thai import NO_BUDGET, MonthRange, parse_amount, parse_month_range, parse_quantity, to_arabic_digits
from storage.models import ItemKind

T = TypeVar("T")

# the template's example row says what it is in its code, so that a forgotten one is never imported as an item
EXAMPLE_CODE = "ตัวอย่าง-ลบแถวนี้"
ALL_UNITS_WORDS = ("ทุกสำนัก/กอง", "ทุกกอง/สำนัก", "ทุกสำนัก", "ทุกกอง", "ทุกหน่วยงาน", "ทุกส่วนราชการ", "all")

# column → (English header, Thai header, other Thai spellings seen in real plans)
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "รหัส"),
    "strategy": ("strategy", "ยุทธศาสตร์"),
    "strategy_title": ("strategy_title", "ชื่อยุทธศาสตร์"),
    "dimension": ("dimension", "มิติ"),
    "dimension_title": ("dimension_title", "ชื่อมิติ"),
    "mission": ("mission", "ภารกิจ", "ภารกิจตามมิติ"),
    "mission_title": ("mission_title", "ชื่อภารกิจ"),
    "subitem": ("subitem", "ข้อย่อย"),
    "subitem_title": ("subitem_title", "ชื่อข้อย่อย"),
    "number": ("number", "ที่", "ลำดับ"),
    "type": ("type", "ประเภท"),
    "title": ("title", "ชื่อโครงการ", "โครงการ/กิจกรรม/มาตรการ", "งาน/กิจกรรม/โครงการ"),
    "kpi": ("kpi", "ตัวชี้วัด"),
    "target_unit": ("target_unit", "หน่วยนับ"),
    "target_qty": ("target_qty", "ปริมาณ", "ปริมาณงาน"),
    "budget_plan": ("budget_plan", "งบประมาณตามแผน", "งบประมาณ"),
    "budget_ordinance": ("budget_ordinance", "งบประมาณตามข้อบัญญัติ/เทศบัญญัติ", "งบประมาณตามข้อบัญญัติ", "งบประมาณตามเทศบัญญัติ"),
    "units": ("units", "ผู้รับผิดชอบ", "หน่วยงานรับผิดชอบ"),
    "months": ("months", "ระยะเวลา", "ระยะเวลาดำเนินการ"),
}
REQUIRED = ("dimension", "mission", "title")
THAI_HEADER = {key: names[1] for key, names in COLUMNS.items()}


def _header_key(text: str) -> str:
    return re.sub(r"\s+", "", str(text or "").replace("\u200b", "")).lower()


_HEADER_LOOKUP = {_header_key(name): key for key, names in COLUMNS.items() for name in names}


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("row {row}, column {column}: {message}").format(row=self.row, column=self.column, message=self.message)


class PlanFileError(UserError):
    """The file cannot be imported; ``errors`` lists every problem found."""

    def __init__(self, errors: list[CellError]):
        self.errors = errors
        super().__init__(_("The plan file has {n} problem(s); nothing was imported").format(n=len(errors)))

    def __reduce__(self):  # it crosses from the reading child process (plan_sandbox) with its cell errors
        return _rebuild_plan_file_error, (str(self), self.errors)


def _rebuild_plan_file_error(message: str, errors: list[CellError]) -> PlanFileError:
    error = PlanFileError.__new__(PlanFileError)
    Exception.__init__(error, message)
    error.errors = errors
    return error


@dataclass
class PlanRow:
    """One item as read from the file, every value already checked and typed."""

    row: int
    code: str
    strategy: str
    strategy_title: str
    dimension: str
    dimension_title: str
    mission: str
    mission_title: str
    subitem: str
    subitem_title: str
    number: str
    kind: ItemKind
    title: str
    kpi: str
    target_unit: str
    target_qty: Decimal | None
    budget_plan: Decimal | None
    budget_ordinance: Decimal | None
    no_budget: bool
    units: list[str]
    all_units: bool
    months: str
    month_range: MonthRange | None = None
    code_given: bool = field(default=True, repr=False)


# ---------------------------------------------------------------- reading the cells


def clean_text(value: Any) -> str:
    """A cell as text: HTML debris removed, entities decoded, white space folded."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = html.unescape(re.sub(r"<[^>]*>", " ", str(value)))
    text = without_control_characters(text.replace("\x0b", " ").replace("\x0c", " "))  # XML holds none
    return re.sub(r"\s+", " ", text.replace("\u200b", "").replace("\xa0", " ")).strip()


# Limits that any real plan fits with a wide margin (the largest seen has 75 items in 21 columns), checked
# while reading, so that no file — a mistake or an attack — can take a shared server's memory or time.
MAX_FILE_BYTES = 20 * 1024 * 1024  # the file as sent, and an .xlsx's contents unpacked
MAX_ROWS = 2000  # data rows (not counting the header and empty rows)
MAX_COLUMNS = 60
MAX_CELL_CHARS = 64 * 1024
MAX_TEXT_CHARS = 20 * 1024 * 1024  # all cells together
MAX_ZIP_MEMBERS = 1000
MAX_LINES = 50_000  # rows read, empty ones included


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g}"


class _Budget:
    """Counts rows, columns and characters as they are read, and refuses at the first limit crossed."""

    def __init__(self) -> None:
        self.rows = 0
        self.chars = 0

    def take(self, line: int, cells: list[Any]) -> list[Any] | None:
        """The row's cells, or None for a row with nothing in it."""
        if line > MAX_LINES:
            raise UserError(
                _(
                    "The file has more than {limit} rows, empty ones included; a plan has at most "
                    "{items} items. Delete the rows below the plan."
                ).format(limit=MAX_LINES, items=MAX_ROWS)
            )
        while cells and (cells[-1] is None or cells[-1] == ""):
            cells.pop()
        if not cells:
            return None
        if len(cells) > MAX_COLUMNS:
            raise UserError(
                _(
                    "Row {row} has more than {limit} columns; a plan has at most {limit}. Delete the "
                    "columns after the last one the plan uses."
                ).format(row=line, limit=MAX_COLUMNS)
            )
        for value in cells:
            if isinstance(value, str):
                if len(value) > MAX_CELL_CHARS:
                    raise UserError(
                        _(
                            "A cell in row {row} holds more than {limit} characters; a cell may hold at most {limit}."
                        ).format(row=line, limit=MAX_CELL_CHARS)
                    )
                self.chars += len(value)
        if self.chars > MAX_TEXT_CHARS:
            raise UserError(
                _("The file holds more than {limit} MB of text; a plan has far less.").format(limit=_mb(MAX_TEXT_CHARS))
            )
        self.rows += 1
        if self.rows > MAX_ROWS + 1:  # + the header
            raise UserError(
                _("The file has more than {limit} rows; a plan has at most {limit} items.").format(limit=MAX_ROWS)
            )
        return cells


def read_table(path: Path) -> list[tuple[int, list[Any]]]:
    """(row number, cells) for every non-empty row of the first sheet or the CSV, header included, within
    the limits above (UserError naming the limit otherwise)."""
    if not path.exists():
        raise UserError(_("File not found: {path}").format(path=path))
    if path.is_dir():
        raise UserError(_("{path} is a folder, not a file").format(path=path))
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UserError(
            _(
                "A plan file must be .xlsx or .csv (got {name}); download the template with `tidtam plan template`"
            ).format(name=path.name)
        )
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UserError(
            _("The file is too large ({size} MB); the limit is {limit} MB.").format(
                size=round(path.stat().st_size / 1024 / 1024, 1), limit=_mb(MAX_FILE_BYTES)
            )
        )
    return _read_xlsx(path) if suffix == ".xlsx" else _read_csv(path)


def _check_zip(path: Path) -> None:
    """Refuse from the zip directory alone, before anything is unpacked (a zip member never yields more
    than the size its directory entry declares)."""
    not_xlsx = UserError(_("{name} is not a readable Excel (.xlsx) file").format(name=path.name))
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_xlsx from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise not_xlsx
    if sum(m.file_size for m in members) > MAX_FILE_BYTES:
        raise UserError(
            _(
                "Unpacked, the file would be larger than {limit} MB; a plan is far smaller. Save it "
                "again from Excel, or as CSV."
            ).format(limit=_mb(MAX_FILE_BYTES))
        )


def _read_xlsx(path: Path) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    _check_zip(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError):
        raise UserError(_("{name} is not a readable Excel (.xlsx) file").format(name=path.name)) from None
    budget, out = _Budget(), []
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # the file's own <dimension> may be wrong, by mistake or on purpose: read every row
        # cells right of column MAX_COLUMNS + 1 are never materialised; one there is enough to refuse
        for i, r in enumerate(ws.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), start=1):
            cells = budget.take(i, list(r))
            if cells is not None:
                out.append((i, cells))
        return out
    except (KeyError, ValueError, TypeError, SyntaxError, zipfile.BadZipFile):
        raise UserError(_("{name} is not a readable Excel (.xlsx) file").format(name=path.name)) from None
    finally:
        wb.close()


def _read_csv(path: Path) -> list[tuple[int, list[Any]]]:
    raw = path.read_bytes()  # at most MAX_FILE_BYTES
    for encoding in ("utf-8-sig", "cp874"):  # cp874: what Excel on Thai Windows saves as "CSV"
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp874 decodes almost any byte string
        raise UserError(_("{name} is not a text (CSV) file").format(name=path.name))
    del raw
    if "\x00" in text:
        raise UserError(_("{name} is not a text (CSV) file").format(name=path.name))
    first = text[: MAX_CELL_CHARS * 4].split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    csv.field_size_limit(MAX_CELL_CHARS + 1)  # one character more than allowed, so the budget names the limit
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    budget, out = _Budget(), []
    try:
        for row in reader:
            cells = budget.take(reader.line_num, list(row))
            if cells is not None:
                out.append((reader.line_num, cells))
    except csv.Error:  # a field longer than the limit, or a NUL byte the decoder let through
        raise UserError(
            _("A cell in row {row} holds more than {limit} characters; a cell may hold at most {limit}.").format(
                row=reader.line_num, limit=MAX_CELL_CHARS
            )
        ) from None
    return out


# ---------------------------------------------------------------- checking the rows


def _section_code(value: str, depth: int) -> str:
    """ "๑.๑" / "ภารกิจที่ 1.1" / "1.1." → "1.1"; "" when it has no such code."""
    m = re.search(r"\d+(?:\.\d+)*", to_arabic_digits(value))
    if not m:
        return ""
    code = m.group(0)
    return code if code.count(".") == depth - 1 else ""


def _kind(type_cell: str, title: str) -> ItemKind | None:
    """e-PlanNACC's four types; "แนวปฏิบัติ" (with or without งาน) is a แนวปฏิบัติงาน."""
    for text in (type_cell, re.sub(r"^[\s\"“”'‘’]+", "", title)):
        if text.startswith("แนวปฏิบัติ"):
            return ItemKind.GUIDELINE
        for kind in ItemKind:
            if text.startswith(kind.value):
                return kind
    return None


def _split_units(text: str) -> tuple[list[str], bool]:
    parts = [clean_text(p) for p in re.split(r"[;\n，、]", text)]
    parts = [p for p in parts if p]
    if any(p.replace(" ", "") in ALL_UNITS_WORDS for p in parts):
        return [], True
    seen: list[str] = []
    for p in parts:
        if p not in seen:
            seen.append(p)
    return seen, False


def parse_plan(table: list[tuple[int, list[Any]]]) -> list[PlanRow]:
    """Check every row; raise PlanFileError listing all problems, or return the rows."""
    table = [(n, cells) for n, cells in table if any(clean_text(c) for c in cells)]
    if not table:
        raise UserError(_("The plan file is empty"))
    columns, labels = _read_header(table[0][1])
    rows: list[PlanRow] = []
    errors: list[CellError] = []
    for row_no, cells in table[1:]:
        reader = _RowReader(row_no, cells, columns, labels)
        row = reader.read()
        errors += reader.errors
        if row is not None:
            rows.append(row)
    errors.extend(_check_across_rows(rows, labels))
    if errors:
        raise PlanFileError(sorted(errors, key=lambda e: e.row))
    return rows


def _read_header(header: list[Any]) -> tuple[dict[str, int], dict[str, str]]:
    """Which column holds what, and each one's label as the file writes it (errors name the file's words)."""
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for i, cell in enumerate(header):
        key = _HEADER_LOOKUP.get(_header_key(clean_text(cell)))
        if key and key not in columns:
            columns[key], labels[key] = i, clean_text(cell)
    missing = [THAI_HEADER[k] for k in REQUIRED if k not in columns]
    if missing:
        raise UserError(
            _(
                "The first row must name the columns; missing: {cols}. Download the template "
                "with `tidtam plan template`"
            ).format(cols=", ".join(missing))
        )
    for key in COLUMNS:
        labels.setdefault(key, THAI_HEADER[key])
    return columns, labels


class _RowReader:
    """One row of the plan: every cell checked, every problem collected (not just the first)."""

    def __init__(self, row_no: int, cells: list[Any], columns: dict[str, int], labels: dict[str, str]):
        self.row_no, self.cells, self.columns, self.labels = row_no, cells, columns, labels
        self.errors: list[CellError] = []
        self.text = {k: clean_text(self.cell(k)) for k in COLUMNS}

    def cell(self, key: str) -> Any:
        i = self.columns.get(key)
        return self.cells[i] if i is not None and i < len(self.cells) else None

    def err(self, key: str, message: str) -> None:
        self.errors.append(CellError(self.row_no, self.labels[key], message))

    def read(self) -> PlanRow | None:
        text = self.text
        dimension, mission, subitem = self._sections()
        if not text["title"]:
            self.err("title", _("the project title is empty"))
        kind = _kind(text["type"], text["title"])
        if text["title"] and kind is None:
            self.err(
                "type",
                _("say whether it is a โครงการ, กิจกรรม, มาตรการ or แนวปฏิบัติงาน (the title does not start with one)"),
            )
        budget_plan, budget_ordinance = self._amount("budget_plan"), self._amount("budget_ordinance")
        qty = self._parsed("target_qty", parse_quantity, self.cell("target_qty"))
        month_range = self._parsed("months", parse_month_range, text["months"]) if text["months"] else None
        units, all_units = _split_units(str(self.cell("units") or ""))
        if text["code"] == EXAMPLE_CODE:
            self.err("code", _("this is the template's example row: delete it, or replace it with an item of the plan"))
        elif text["title"] and not units and not all_units:  # never asked about, never in a unit's list
            self.err("units", _("no owning unit: name it (e.g. กองคลัง; กองช่าง), or write ทุกสำนัก/กอง"))
        if self.errors:
            return None
        return PlanRow(
            row=self.row_no,
            code=to_arabic_digits(text["code"]).replace(" ", ""),
            code_given=bool(text["code"]),
            strategy=_section_code(text["strategy"], 1) if text["strategy"] else "",
            strategy_title=text["strategy_title"],
            dimension=dimension,
            dimension_title=text["dimension_title"],
            mission=mission,
            mission_title=text["mission_title"],
            subitem=subitem,
            subitem_title=text["subitem_title"],
            number=to_arabic_digits(text["number"]),
            kind=kind,
            title=text["title"],
            kpi=text["kpi"],
            target_unit=text["target_unit"],
            target_qty=qty,
            budget_plan=budget_plan,
            budget_ordinance=budget_ordinance,
            no_budget=budget_plan is None and budget_ordinance is None,
            units=units,
            all_units=all_units,
            months=text["months"],
            month_range=month_range,
        )

    def _sections(self) -> tuple[str, str, str]:
        """มิติ, ภารกิจ and sub-item codes, each inside the one above it."""
        text = self.text
        dimension = _section_code(text["dimension"], 1)
        mission = _section_code(text["mission"], 2)
        subitem = _section_code(text["subitem"], 3) if text["subitem"] else ""
        if not dimension:
            self.err("dimension", _("a dimension is a number such as 1 or ๑"))
        if not mission:
            self.err("mission", _("a mission is written like 1.1 or ๑.๑"))
        elif dimension and not mission.startswith(dimension + "."):
            self.err(
                "mission",
                _("mission {mission} does not belong to dimension {dimension}").format(
                    mission=mission, dimension=dimension
                ),
            )
        if text["subitem"] and not subitem:
            self.err("subitem", _("a sub-item is written like 1.1.1 or ๑.๑.๑"))
        elif subitem and mission and not subitem.startswith(mission + "."):
            self.err(
                "subitem",
                _("sub-item {subitem} does not belong to mission {mission}").format(subitem=subitem, mission=mission),
            )
        return dimension, mission, subitem

    def _amount(self, key: str) -> Decimal | None:
        """A budget; "ไม่ใช้งบประมาณ" and its kin are no amount."""
        value = self._parsed(key, parse_amount, self.cell(key))
        return None if value is NO_BUDGET else value

    def _parsed(self, key: str, parse: Callable[[Any], T], value: Any) -> T | None:
        try:
            return parse(value)
        except ParseError as e:
            self.err(key, str(e))
            return None


def _check_across_rows(rows: list[PlanRow], labels: dict[str, str]) -> list[CellError]:
    """Codes: generate the missing ones, refuse duplicates; one title per heading code."""
    errors: list[CellError] = []
    counters: Counter[str] = Counter()
    for r in rows:
        if not r.code_given:
            group = r.subitem or r.mission
            counters[group] += 1
            r.code = f"{group}-{counters[group]}"
    seen: dict[str, int] = {}
    for r in rows:
        if r.code in seen:
            errors.append(
                CellError(
                    r.row,
                    labels["code"],
                    _("code {code} is also used in row {other}").format(code=r.code, other=seen[r.code]),
                )
            )
        else:
            seen[r.code] = r.row
    titles: dict[tuple[str, str], tuple[str, int]] = {}
    for r in rows:
        for level, code, title in (
            ("strategy", r.strategy, r.strategy_title),
            ("dimension", r.dimension, r.dimension_title),
            ("mission", r.mission, r.mission_title),
            ("subitem", r.subitem, r.subitem_title),
        ):
            if not code or not title:
                continue
            first = titles.setdefault((level, code), (title, r.row))
            if first[0] != title:
                errors.append(
                    CellError(
                        r.row,
                        labels[f"{level}_title"],
                        _("{code} is titled differently in row {other}").format(code=code, other=first[1]),
                    )
                )
    return errors + unit_slips(rows, set(), labels.get("units", THAI_HEADER["units"]))


def unit_slips(rows: list[PlanRow], known: set[str], column: str) -> list[CellError]:
    """A unit not in ``known`` that is one slip from a known unit, or from a name the file uses more often, is
    a typing mistake that would quietly become a unit nobody belongs to: an error naming the likely one. Run
    on the file alone while it is read (so it is reported with every other problem, in one pass) and again
    against the organisation's units when it is imported."""
    counts = Counter(name for r in rows for name in r.units)
    errors = []
    for r in rows:
        for name in r.units:
            if name in known:
                continue
            guess = near_miss(name, known | {m for m, n in counts.items() if n > counts[name]})
            if guess is not None:
                errors.append(
                    CellError(
                        r.row,
                        column,
                        _('"{name}" is not a unit yet: did you mean {guess}?').format(name=name, guess=guess),
                    )
                )
    return errors
