"""Near misses among names people type: a unit misspelt in a plan file ("กองคลงั") is caught, not created.

Units share their first word (กอง, สำนัก, งาน, ฝ่าย), so the distance is taken over what follows it, in
characters: a vowel or tone mark typed after the wrong consonant is one swap of neighbours.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

PREFIXES = ("สำนัก", "กอง", "งาน", "ฝ่าย", "ส่วน")


def _core(name: str) -> str:
    text = "".join(unicodedata.normalize("NFC", name).split())
    for prefix in PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix) :]
    return text


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def near_miss(name: str, known: Iterable[str]) -> str | None:
    """The known name ``name`` is most likely a slip of — one slip after the shared first word (two when what
    follows is longer than six characters) — or None. A name differing only in spaces is the same name."""
    mine = _core(name)
    limit = 2 if len(mine) > 6 else 1
    best: tuple[int, str] | None = None
    for other in known:
        theirs = _core(other)
        if theirs == mine or abs(len(theirs) - len(mine)) > limit:
            continue
        d = distance(mine, theirs)
        if d <= limit and (best is None or d < best[0]):
            best = (d, other)
    return None if best is None else best[1]
