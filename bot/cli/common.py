"""What every CLI command shares: settings, the database, the chosen organisation, plain tables."""

from __future__ import annotations

import asyncio
import json
import sys
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import typer

from base.settings import Settings, get_settings
from storage.db import Database
from storage.models import Organisation
from storage.repo import find_organisation

T = TypeVar("T")


@dataclass
class CliState:
    settings: Settings
    org: str


_state: CliState | None = None


def set_state(state: CliState) -> None:
    global _state
    _state = state


def state() -> CliState:
    return _state or CliState(get_settings(), get_settings().tidtam_org)


def run(fn: Callable[[Database], Awaitable[T]], *, upgrade: bool = True) -> T:
    """Open the database (migrating it to the latest schema first), run ``fn``, close it."""

    async def main() -> T:
        db = Database(state().settings.effective_database_url, new_installation=state().settings.new_installation)
        try:
            if upgrade:
                await db.upgrade()
            return await fn(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


@asynccontextmanager
async def org_session(db: Database, *, commit: bool = True) -> AsyncIterator[tuple[Any, Organisation]]:
    """A transaction and the organisation this command acts on."""
    async with db.session(commit=commit) as session:
        yield session, await find_organisation(session, state().org)


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: Thai vowel and tone marks take none."""
    return sum(
        0
        if unicodedata.combining(c) or unicodedata.category(c) == "Mn"
        else 2
        if unicodedata.east_asian_width(c) in "WF"
        else 1
        for c in text
    )


def table(rows: list[list[str]], header: list[str] | None = None) -> str:
    all_rows = ([header] if header else []) + rows
    if not all_rows:
        return ""
    widths = [max(display_width(r[i]) for r in all_rows) for i in range(len(all_rows[0]))]
    lines = []
    for n, r in enumerate(all_rows):
        cells = [c + " " * (w - display_width(c)) for c, w in zip(r, widths, strict=False)]
        lines.append("  ".join(cells).rstrip())
        if header and n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def secret_input(label: str) -> str:
    """Typed at a hidden prompt, or one line of standard input when it is not a terminal (a script: `printf`)."""
    if sys.stdin.isatty():
        return str(typer.prompt(label, hide_input=True))
    return sys.stdin.readline().strip()
