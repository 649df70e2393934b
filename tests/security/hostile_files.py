"""Plan files built to hurt: each is written as raw XML in a zip (or as CSV), so a test or a bench can make
one of any size in a moment. Shared by tests/security and bench/hostile_import.py."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

HEADER = ("มิติ", "ภารกิจ", "ชื่อโครงการ", "ผู้รับผิดชอบ")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="แผน" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


def _col(n: int) -> str:
    name = ""
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def write_xlsx(
    path: Path,
    rows: Callable[[], Iterator[str]],
    shared: Callable[[], Iterator[str]] | None = None,
    *,
    dimension: str = "A1",
) -> Path:
    """A workbook whose sheet XML is the given ``<row>`` strings (streamed into the zip)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            for s in shared() if shared else iter(()):
                f.write(f"<si><t>{s}</t></si>".encode())
            f.write(b"</sst>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(
                (
                    '<?xml version="1.0" encoding="UTF-8"?>'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    f'<dimension ref="{dimension}"/><sheetData>'
                ).encode()
            )
            for row in rows():
                f.write(row.encode())
            f.write(b"</sheetData></worksheet>")
    return path


def _header_row() -> str:
    return '<row r="1">' + "".join(_inline(f"{_col(i)}1", h) for i, h in enumerate(HEADER, start=1)) + "</row>"


def _item_row(r: int) -> str:
    return (
        f'<row r="{r}">'
        + _inline(f"A{r}", "1")
        + _inline(f"B{r}", "1.1")
        + _inline(f"C{r}", f"โครงการที่ {r}")
        + _inline(f"D{r}", "กองคลัง")
        + "</row>"
    )


def wide_xlsx(path: Path, rows: int = 60_000) -> Path:
    """Each row has one cell in the sheet's last column (XFD): a reader that pads rows builds 16,384 cells
    a row."""

    def gen() -> Iterator[str]:
        yield _header_row()
        for r in range(2, rows + 2):
            yield f'<row r="{r}">' + _inline(f"XFD{r}", "x") + "</row>"

    return write_xlsx(path, gen, dimension=f"A1:XFD{rows + 1}")


def wide_in_reach_xlsx(path: Path) -> Path:
    """A real-looking row with a 61st column filled."""

    def gen() -> Iterator[str]:
        yield _header_row()
        yield _item_row(2)[: -len("</row>")] + _inline("BI2", "เกิน") + "</row>"

    return write_xlsx(path, gen)


def tall_xlsx(path: Path, rows: int = 1_000_000) -> Path:
    """A million item rows (about 90 MB of XML unpacked)."""

    def gen() -> Iterator[str]:
        yield _header_row()
        for r in range(2, rows + 2):
            yield _item_row(r)

    return write_xlsx(path, gen)


def tall_in_reach_xlsx(path: Path, rows: int = 150_000) -> Path:
    """More rows than any plan, but under the unpacked-size limit: refused while reading."""

    def gen() -> Iterator[str]:
        yield _header_row()
        for r in range(2, rows + 2):
            yield f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>'

    return write_xlsx(path, gen)


def shared_strings_bomb_xlsx(path: Path, size: int = 2_000_000, count: int = 150) -> Path:
    """Huge shared strings (300 MB unpacked, a few hundred KB packed), each used by many cells."""

    def strings() -> Iterator[str]:
        for i in range(count):
            yield chr(65 + i % 26) * size

    def gen() -> Iterator[str]:
        yield _header_row()
        for r in range(2, 1002):
            yield (
                f'<row r="{r}">'
                + "".join(f'<c r="{_col(c)}{r}" t="s"><v>{(r + c) % count}</v></c>' for c in range(1, 21))
                + "</row>"
            )

    return write_xlsx(path, gen, strings)


def shared_strings_in_reach_xlsx(path: Path) -> Path:
    """Under every size limit as stored — 300 strings of 60 KiB — but each cell repeats one: 2,000 rows ×
    20 columns would be 2.3 GB of text once expanded."""

    def strings() -> Iterator[str]:
        for i in range(300):
            yield chr(0x0E01 + i % 40) * (60 * 1024 // 3)  # 3-byte Thai letters: 20 KiB chars, 60 KiB UTF-8

    def gen() -> Iterator[str]:
        yield _header_row()
        for r in range(2, 2002):
            yield (
                f'<row r="{r}">'
                + "".join(f'<c r="{_col(c)}{r}" t="s"><v>{(r * c) % 300}</v></c>' for c in range(1, 21))
                + "</row>"
            )

    return write_xlsx(path, gen, strings)


def lying_zip_xlsx(path: Path, megabytes: int = 200) -> Path:
    """A zip whose directory declares a sheet of 1,000 bytes while its data inflates to 200 MB."""

    def gen() -> Iterator[str]:
        yield _header_row()
        chunk = " " * (1024 * 1024)
        for _i in range(megabytes):
            yield chunk

    write_xlsx(path, gen)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    _patch_sizes(data, info)
    path.write_bytes(bytes(data))
    return path


def _patch_sizes(data: bytearray, info: zipfile.ZipInfo) -> None:
    """Overwrite the uncompressed size in the central directory (and local header) with 1,000 bytes."""
    import struct

    name = info.filename.encode()
    fake = 1000
    # local header: signature, ..., uncompressed size at offset 22 (zip64 sizes live in the extra field)
    start = 0
    while (at := data.find(b"PK\x01\x02", start)) >= 0:  # central directory entries
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_len]) == name:
            struct.pack_into("<I", data, at + 24, fake)
            extra_len = struct.unpack_from("<H", data, at + 30)[0]
            extra = at + 46 + name_len
            _patch_zip64(data, extra, extra_len, fake)
        start = at + 4
    local = info.header_offset
    struct.pack_into("<I", data, local + 22, fake)


def _patch_zip64(data: bytearray, at: int, length: int, fake: int) -> None:
    import struct

    end = at + length
    while at + 4 <= end:
        tag, size = struct.unpack_from("<HH", data, at)
        if tag == 1 and size >= 8:
            struct.pack_into("<Q", data, at + 4, fake)
        at += 4 + size


def csv_of_size(path: Path, megabytes: int = 50) -> Path:
    """A plan-shaped CSV of the given size."""
    target = megabytes * 1024 * 1024
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(HEADER) + "\n")
        r, written = 2, 0
        while written < target:
            line = f"1,1.1,โครงการที่ {r},กองคลัง\n"
            f.write(line)
            written += len(line.encode())
            r += 1
    return path


def csv_huge_cell(path: Path, chars: int = 200 * 1024) -> Path:
    path.write_text(",".join(HEADER) + '\n1,1.1,"' + "ก" * chars + '",กองคลัง\n', encoding="utf-8")
    return path


HOSTILE = {
    "wide (a cell in XFD on 60,000 rows)": wide_xlsx,
    "tall (1,000,000 rows)": tall_xlsx,
    "tall within the size limit (150,000 rows)": tall_in_reach_xlsx,
    "shared-strings bomb (300 MB unpacked)": shared_strings_bomb_xlsx,
    "shared strings within the size limit (2.3 GB expanded)": shared_strings_in_reach_xlsx,
    "zip that lies about its size": lying_zip_xlsx,
    "CSV of 50 MB": csv_of_size,
    "CSV with a 200 KiB cell": csv_huge_cell,
}
