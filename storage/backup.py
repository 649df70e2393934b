"""A consistent copy of the database in a new file: SQLite's online backup, or pg_dump for PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from locales.errors import UserError
from locales.i18n import _


def backup_to(database_url: str, file: Path) -> str:
    """Copy the database to ``file``, which must not exist; what was done, to tell the admin."""
    url = make_url(database_url)
    if file.exists():
        raise UserError(_("{path} already exists; choose a new file name").format(path=file))
    if url.get_backend_name() == "sqlite":
        source = Path(url.database or "")
        if not source.exists():
            raise UserError(_("No database at {path} yet").format(path=source))
        file.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(file) as dst:
            src.backup(dst)  # consistent while the bot keeps writing
        return _("Backed up {src} to {dst}").format(src=source, dst=file)
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    hint = f"pg_dump --format=custom --file {file} '{url.set(drivername='postgresql')}'"
    if shutil.which("pg_dump") is None:
        raise UserError(_("For PostgreSQL use pg_dump: {hint}").format(hint=hint))
    done = subprocess.run(["pg_dump", "--format=custom", "--file", str(file), plain], capture_output=True, text=True)
    if done.returncode != 0:
        raise UserError(_("pg_dump failed: {error}").format(error=done.stderr.strip().splitlines()[-1:]))
    return _("Backed up the PostgreSQL database to {dst}").format(dst=file)
