"""Refresh the th and en catalogues from the code: ``python -m locales.update``.

New messages are added (English filled in, Thai left empty and listed), messages no
longer in the code are dropped. The test suite fails while a Thai translation is missing.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("bot", "handlers", "scheduler", "storage", "reports", "domain", "locales")
CATALOGUES = Path(__file__).parent
STABLE_DATE = datetime.datetime(2026, 11, 22, tzinfo=datetime.UTC)  # keeps diffs to real changes


def extract() -> list[str]:
    """Every message id used in the code, in first-seen order."""
    seen: dict[str, None] = {}
    for folder in SOURCE_DIRS:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords={"_": None, "N_": None, "ngettext": (1, 2)}
        ):
            for text in message if isinstance(message, tuple) else (message,):
                if text:
                    seen.setdefault(text, None)
    return list(seen)


def po_path(lang: str) -> Path:
    return CATALOGUES / lang / "LC_MESSAGES" / "messages.po"


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if path.exists():
        with path.open("rb") as f:
            return read_po(f, locale=lang)
    return Catalog(locale=lang)


def update() -> list[str]:
    """Rewrite both catalogues; return the message ids still without a Thai translation."""
    ids = extract()
    missing: list[str] = []
    for lang in ("th", "en"):
        old = load(lang)
        new = Catalog(
            locale=lang,
            project="tidtam",
            version="1",
            charset="utf-8",
            fuzzy=False,
            creation_date=STABLE_DATE,
            revision_date=STABLE_DATE,
        )
        for msgid in ids:
            existing = old.get(msgid)
            text = existing.string if existing and existing.string else ""
            if lang == "en":
                text = msgid
            elif not text:
                missing.append(msgid)
            new.add(msgid, text)
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, new, omit_header=False, no_location=True, width=0)
    return missing


if __name__ == "__main__":
    still = update()
    for msgid in still:
        print(f"missing Thai: {msgid}")
    sys.exit(1 if still else 0)
