"""What of a person's typed text may be published: phones, e-mails, national IDs, registered people's names and
links to private storage are masked before a document or page goes public (PDPA s.23–24: staff data is for the
public task, not for the public).

Pure rules over strings, used by the public documents and by the admin's preview of them; the internal documents
keep every answer as typed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from locales.i18n import _

D = "[0-9๐-๙]"  # people type Arabic or Thai digits
SEP = r"[\s\-.]?"
# 0X-XXX-XXXX (landline, 9 digits) and 0XX-XXX-XXXX (mobile, 10 digits), or with +66 for the leading 0
PHONE_RE = re.compile(rf"(?<![0-9๐-๙])(?:\+66{SEP}|[0๐])(?:{D}{SEP}){{7,8}}{D}(?![0-9๐-๙])")
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 13 digits, written whole or as 1-2345-67890-12-3
ID_RE = re.compile(rf"(?<![0-9๐-๙]){D}(?:[\s-]?{D}){{12}}(?![0-9๐-๙])")
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]{}]+|\b[\w.-]+\.(?:com|ms|me|app\.goo\.gl)/[^\s<>\"']+")
# hosts whose links open a person's own storage (a Drive folder, an album), not a public page
PRIVATE_HOSTS = (
    "drive.google.com",
    "docs.google.com",
    "photos.google.com",
    "photos.app.goo.gl",
    "onedrive.live.com",
    "1drv.ms",
    "sharepoint.com",
    "dropbox.com",
    "box.com",
    "icloud.com",
    "line.me",
    "line-scdn.net",
    "we.tl",
    "wetransfer.com",
    "mega.nz",
)
TITLES = ("นางสาว", "นาง", "นาย", "น.ส.", "ด.ต.", "ดร.", "คุณ", "ผอ.", "ปลัด")
THAI_TO_ARABIC = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def national_id_valid(text: str) -> bool:
    """A Thai national ID's 13th digit checks the first 12 (mod 11)."""
    d = [int(c) for c in text.translate(THAI_TO_ARABIC) if c.isdigit()]
    if len(d) != 13:
        return False
    return (11 - sum(x * (13 - i) for i, x in enumerate(d[:12])) % 11) % 10 == d[12]


def is_private_link(url: str) -> bool:
    host = urlsplit(url if "://" in url else "https://" + url).hostname or ""
    return any(host == h or host.endswith("." + h) for h in PRIVATE_HOSTS)


def name_parts(names: Iterable[str]) -> list[str]:
    """The strings that identify a registered person: the whole name, and each part of three characters or more
    (Thai is written without spaces, so a first name is found inside a sentence), longest first."""
    out: set[str] = set()
    for name in names:
        name = " ".join(name.split())
        for title in TITLES:
            if name.startswith(title) and len(name) > len(title) + 1:
                name = name[len(title) :].strip()
                break
        if len(name) >= 3:
            out.add(name)
        out.update(p for p in name.split() if len(p) >= 3)
    return sorted(out, key=len, reverse=True)


@dataclass
class Screened:
    text: str
    masked: Counter[str] = field(default_factory=Counter)  # kind → how many were masked


@dataclass
class Screen:
    """Masks what must not be published in one organisation's typed text."""

    names: list[str] = field(default_factory=list)
    public_links: frozenset[str] = frozenset()  # links an admin marked public though their host is private

    def __post_init__(self) -> None:
        parts = name_parts(self.names)
        self._names = re.compile("|".join(re.escape(p) for p in parts), re.IGNORECASE) if parts else None

    def text(self, value: str) -> Screened:
        out = Screened(value)
        if not value:
            return out

        def mask(kind: str, label: str) -> Callable[[re.Match[str]], str]:
            def repl(m: re.Match[str]) -> str:
                out.masked[kind] += 1
                return label

            return repl

        def link(m: re.Match[str]) -> str:
            url = m.group(0).rstrip(".,;:")
            tail = m.group(0)[len(url) :]
            if is_private_link(url) and url not in self.public_links:
                out.masked["link"] += 1
                return _("[private link left out]") + tail
            return m.group(0)

        text = URL_RE.sub(link, value)
        text = EMAIL_RE.sub(mask("email", _("[e-mail]")), text)
        text = ID_RE.sub(
            lambda m: mask("id", _("[national ID]"))(m) if national_id_valid(m.group(0)) else m.group(0), text
        )
        text = PHONE_RE.sub(mask("phone", _("[phone number]")), text)
        if self._names is not None:
            text = self._names.sub(mask("name", _("[name]")), text)
        out.text = text
        return out

    def link(self, url: str) -> str | None:
        """An evidence link as published: None when it leads to private storage."""
        if is_private_link(url) and url not in self.public_links:
            return None
        return self.text(url).text
