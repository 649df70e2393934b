"""Column widths that fit their content: each amount column is at least as wide as its widest amount (totals of
nine-digit budgets included), measured with the Sarabun font's own advance widths, and the text columns share
the rest by their weights — so no number runs into its neighbour, whatever the plan's budgets."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from reports.tables import LINK_RE, Table

PT_MM = 25.4 / 72
THAI_RUN = re.compile(r"[\u0e01-\u0e4e]{3,}")
MIN_TEXT_MM = 9.0  # a text column never narrower than this (it wraps)


@cache
def _metrics(bold: bool) -> tuple[dict[int, int], float]:
    """Advance width of each character, in font units, and the units per em."""
    import fontpkg_sarabun
    from fontTools.ttLib import TTFont

    font = TTFont(fontpkg_sarabun.ROOT / "files" / ("Sarabun-Bold.ttf" if bold else "Sarabun-Regular.ttf"))
    hmtx, cmap = font["hmtx"], font.getBestCmap()
    return {code: hmtx[name][0] for code, name in cmap.items()}, float(font["head"].unitsPerEm)


def text_mm(text: str, pt: float, bold: bool = False) -> float:
    """How wide ``text`` is set on one line in Sarabun at ``pt`` points."""
    advances, em = _metrics(bold)
    fallback = advances.get(ord("0"), int(em * 0.6))
    return sum(advances.get(ord(c), fallback) for c in text) / em * pt * PT_MM


@lru_cache(maxsize=50_000)
def thai_words(run: str) -> tuple[str, ...]:
    """A run of Thai letters cut into words by pythainlp's dictionary (Thai is written without spaces): the units a
    line may not break inside."""
    from pythainlp.tokenize import word_tokenize

    return tuple(word_tokenize(run, engine="newmm", keep_whitespace=True))


def unbreakable(text: str) -> list[str]:
    """The pieces of ``text`` a line never breaks inside: words between spaces, Thai words within them (a link
    breaks anywhere, so it is left out)."""
    out: list[str] = []
    for piece in LINK_RE.sub(" ", text).split():
        at = 0
        for m in THAI_RUN.finditer(piece):
            out += [piece[at : m.start()], *thai_words(m.group(0))]
            at = m.end()
        out.append(piece[at:])
    return [w for w in out if w]


def _amount_needs(table: Table, pt: float, padding_mm: float) -> list[float]:
    """Each amount column's widest line (0 for a text column)."""
    need = [0.0] * len(table.widths)
    for row in table.rows:
        if len(row.cells) == 1:
            continue
        for col in row.numbers:
            if col < row.span and row.span > 1:
                continue
            lines = str(row.cells[col]).split("\n")
            widest = max(text_mm(line, pt, bold=row.kind != "data") for line in lines)
            need[col] = max(need[col], widest + 2 * padding_mm + 0.5)
    return need


def _text_floors(table: Table, pt: float, padding_mm: float) -> list[float]:
    """A text column at least as wide as its longest word (heading included)."""
    floor = [MIN_TEXT_MM] * len(table.widths)
    for c, heading in enumerate(table.header):
        floor[c] = max([floor[c]] + [text_mm(w, pt, bold=True) + 2 * padding_mm + 0.5 for w in unbreakable(heading)])
    for row in table.rows:
        if len(row.cells) == 1:
            continue
        for c, cell in enumerate(row.cells):
            if c in row.numbers or (0 < c < row.span) or (row.span > 1 and c == 0):
                continue
            words = unbreakable(str(cell))
            if words:
                widest = max(text_mm(w, pt, bold=row.kind != "data") for w in words)
                floor[c] = max(floor[c], widest + 2 * padding_mm + 0.5)
    return floor


def column_widths(table: Table, total_mm: float, pt: float, padding_mm: float) -> list[float]:
    """Widths in mm summing to ``total_mm``: amount columns fit their widest line, text columns share the rest."""
    n = len(table.widths)
    need = _amount_needs(table, pt, padding_mm)
    floor = _text_floors(table, pt, padding_mm)
    weight = sum(table.widths)
    widths = [total_mm * w / weight for w in table.widths]
    fixed = {c: max(widths[c], need[c], floor[c]) for c in range(n) if need[c]}
    free = [c for c in range(n) if c not in fixed]
    left = total_mm - sum(fixed.values())
    free_weight = sum(table.widths[c] for c in free) or 1
    for c in range(n):
        widths[c] = fixed[c] if c in fixed else max(floor[c], left * table.widths[c] / free_weight)
    over = sum(widths) - total_mm  # above 0 only when the text columns hit their minimum: they give it back
    room = sum(widths[c] for c in free)
    if over > 0 and room:
        for c in free:
            widths[c] -= over * widths[c] / room
    return widths
