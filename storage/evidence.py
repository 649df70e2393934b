"""Evidence files on disk: what may be kept (kind, first bytes, size) and how much — a person's uploads in a day,
an organisation's folder, and a floor of free disk below which nothing more is accepted — and the sweep that
deletes files nothing refers to any more (drafts abandoned, answers replaced) after a retention period.

A file is named ``<person id>-<random>.<ext>`` in its organisation's folder: whose it is, for the person's quota
and for erasure, without a table.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from base.settings import Settings
from base.values import clean_name
from locales.errors import UserError
from locales.i18n import _

DAY = 24 * 3600


EVIDENCE_TYPES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".webp",
    ".heic",
    ".gif",
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".odt",
    ".ods",
    ".txt",
    ".csv",
}


def extension(kind: str, name: str, mime: str) -> str:
    ext = Path(name).suffix.lower() or (mimetypes.guess_extension(mime or "") or "")
    if kind == "photo" and not ext:
        ext = ".jpg"
    if ext not in EVIDENCE_TYPES:
        raise UserError(_("This kind of file cannot be kept as evidence; send a photo, PDF or office document."))
    return ext


def keep_file(
    settings: Settings, org_id: int, person_id: int, kind: str, name: str, mime: str, content: bytes, ext: str = ""
) -> dict:
    """Saves evidence under a generated name in the organisation's folder, after checking its size, its kind
    and that its first bytes are of that kind: the chat's files and the form's uploads alike."""
    ext = ext or extension(kind, name, mime)
    if not content_matches(ext, content):
        raise UserError(
            _("This file does not look like a {kind} file; please send it again.").format(kind=ext.lstrip(".").upper())
        )
    limit = settings.evidence_max_mb * 1024 * 1024
    if len(content) > limit:
        raise UserError(
            _("The file is too large ({size} MB); the limit is {limit} MB.").format(
                size=round(len(content) / 1024 / 1024, 1), limit=settings.evidence_max_mb
            )
        )
    check_room(settings, org_id, person_id, len(content))
    folder = settings.data_dir / "evidence" / str(org_id)
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{person_id}-{uuid.uuid4().hex}{ext}"  # whose it is, for the person's quota and erasure
    try:
        stored.write_bytes(content)
    except OSError:  # a full disk: nothing half-written is left, and the person is told in Thai
        stored.unlink(missing_ok=True)
        raise UserError(
            _("The file could not be kept: the server is out of space. Please tell your administrator.")
        ) from None
    return {
        "kind": kind,
        "path": stored.relative_to(settings.data_dir).as_posix(),
        "name": clean_name(Path(name).name)[:200] or "file",
        "size": len(content),
        "mime": mime[:100],
    }


MAGIC = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG",),
    ".gif": (b"GIF8",),
    ".pdf": (b"%PDF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".ppt": (b"\xd0\xcf\x11\xe0",),
}


def content_matches(ext: str, content: bytes) -> bool:
    """The file is what its name says: checked by its first bytes, not trusted from the name."""
    if ext in MAGIC:
        return content.startswith(MAGIC[ext])
    if ext == ".webp":
        return content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    if ext == ".heic":
        return content[4:8] == b"ftyp"
    if ext in (".txt", ".csv"):
        try:
            return b"\x00" not in content and bool(content.decode("utf-8-sig") is not None)
        except UnicodeDecodeError:
            return False
    return False


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f}"


def free_mb(settings: Settings) -> int:
    """Free space where the data lives, in MB (the folder is made if it is missing)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return shutil.disk_usage(settings.data_dir).free // (1024 * 1024)


def _files(folder: Path) -> Iterable[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            yield from (e for e in entries if e.is_file(follow_symlinks=False))
    except FileNotFoundError:
        return


def check_room(settings: Settings, org_id: int, person_id: int, size: int) -> None:
    """Refuse, in Thai, a file that would take the disk below its floor, the organisation past its quota or
    the person past a day's uploads — before it is downloaded when its size is known."""
    if free_mb(settings) - size / (1024 * 1024) < settings.disk_floor_mb:
        raise UserError(
            _("The server is almost out of space, so no more files are accepted now. Please tell your administrator.")
        )
    used, day = usage(settings, org_id)
    mine = day.get(person_id, 0)
    if used + size > settings.evidence_org_mb * 1024 * 1024:
        raise UserError(
            _(
                "Your organisation's evidence has reached its limit of {limit} MB, so no more files are accepted. "
                "Please tell your administrator; a web link to the evidence works meanwhile."
            ).format(limit=f"{settings.evidence_org_mb:,}")
        )
    if mine + size > settings.evidence_person_mb_day * 1024 * 1024:
        raise UserError(
            _(
                "You have sent {used} MB of files in the last 24 hours, the most one person may; please send the "
                "rest tomorrow, or a web link to them."
            ).format(used=_mb(mine))
        )


def usage(settings: Settings, org_id: int) -> tuple[int, dict[int, int]]:
    """The organisation's evidence in bytes, and each person's uploads of the last 24 hours (what the quotas
    count)."""
    used, since = 0, time.time() - DAY
    day: dict[int, int] = {}
    for entry in _files(settings.data_dir / "evidence" / str(org_id)):
        stat = entry.stat(follow_symlinks=False)
        used += stat.st_size
        owner = entry.name.split("-", 1)[0]
        if owner.isdigit() and stat.st_mtime >= since:
            day[int(owner)] = day.get(int(owner), 0) + stat.st_size
    return used, day


def person_files(data_dir: Path, org_id: int, person_id: int) -> list[Path]:
    """Every file a person uploaded in the organisation (erasure deletes those no answer refers to)."""
    folder = data_dir / "evidence" / str(org_id)
    return [Path(e.path) for e in _files(folder) if e.name.startswith(f"{person_id}-")]


def past_retention(settings: Settings, org_id: int, now: dt.datetime) -> list[Path]:
    """The organisation's files older than the retention period: what the sweep may delete if nothing refers to
    them. Most organisations have none, and then the sweep reads nothing from the database for them."""
    folder = settings.data_dir / "evidence" / str(org_id)
    before = now.timestamp() - settings.evidence_retention_days * DAY
    return [Path(e.path) for e in _files(folder) if e.stat(follow_symlinks=False).st_mtime < before]


def sweep(settings: Settings, old: list[Path], referenced: set[str]) -> int:
    """Delete the files of ``old`` (past_retention's) that nothing refers to (``referenced``: paths relative to the
    data folder): abandoned drafts' uploads, replaced answers' files. Returns how many were deleted."""
    deleted = 0
    for path in old:
        if path.relative_to(settings.data_dir).as_posix() not in referenced:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted
