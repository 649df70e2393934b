"""Gettext catalogues (th, en) and the language of the current person or command.

The ``.po`` files are the source of truth; they are compiled in memory with Babel on
first use, so no build step or committed ``.mo`` file can go stale.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import io
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("th", "en")
DEFAULT_LANGUAGE = "th"
CATALOGUE_DIR = Path(__file__).parent

_current: contextvars.ContextVar[str] = contextvars.ContextVar("tidtam_lang", default=DEFAULT_LANGUAGE)


@cache
def translations(lang: str) -> gettext.NullTranslations:
    po = CATALOGUE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def set_language(lang: str | None) -> contextvars.Token[str]:
    """Use ``lang`` for every ``_()`` in this context (a request, a command)."""
    return _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


@contextlib.contextmanager
def in_language(lang: str | None) -> Iterator[None]:
    """Use ``lang`` for the ``_()`` inside the block only: a message rendered for one recipient leaves the
    language of whatever runs next as it was."""
    token = set_language(lang)
    try:
        yield
    finally:
        _current.reset(token)


def current_language() -> str:
    return _current.get()


def _(message: str) -> str:
    return translations(_current.get()).gettext(message)


def N_(message: str) -> str:
    """Marks a message for the catalogues where it is defined; ``_()`` translates it where it is shown."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)
