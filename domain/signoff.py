"""The sign-off chain as a rule: what a decision moves a chain to, the bounds of a comment or a reason, when a
waiting office is reminded, and the time a round took to be approved — the same in the chat and the CLI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.calendar import WorkCalendar
from domain.vocabulary import Decision, Office, SignoffState
from locales.errors import UserError
from locales.i18n import _

MAX_STEPS = 4  # ปลัด, รองนายก, นายก … a longer chain is a mistake in the configuration
MAX_TEXT = 1000  # a comment sent back, a reason to skip, reopen or publish without approval
REMIND_EVERY = 2  # working days a waiting office is left before it is reminded, and between reminders
OFFICE_WORDS = {"ปลัด": Office.PALAD, "palad": Office.PALAD, "นายก": Office.EXECUTIVE, "mayor": Office.EXECUTIVE}


@dataclass(frozen=True)
class ChainStep:
    office: Office
    person_id: int


def next_after(steps: int, position: int, decision: Decision) -> tuple[SignoffState, int]:
    """The chain's state and position after ``decision`` at ``position`` of ``steps`` offices."""
    if decision == Decision.RETURN:
        return SignoffState.RETURNED, position
    if position + 1 >= steps:
        return SignoffState.APPROVED, position
    return SignoffState.PENDING, position + 1


def check_text(text: str, what: str) -> str:
    """A comment or a reason on one paragraph: not empty, at most MAX_TEXT characters (``what`` names it)."""
    cleaned = " ".join("".join(c for c in text if c.isprintable() or c in "\n\t").split())
    if not cleaned:
        raise UserError(_("Please give {what}.").format(what=what))
    if len(cleaned) > MAX_TEXT:
        raise UserError(
            _("{what} is too long ({n} characters); the limit is {limit}.").format(
                what=what.capitalize(), n=len(cleaned), limit=MAX_TEXT
            )
        )
    return cleaned


def check_chain(offices: list[Office]) -> None:
    """A chain is one to MAX_STEPS offices, and ends with the executive (who approves)."""
    if not offices or len(offices) > MAX_STEPS:
        raise UserError(_("A sign-off chain has 1 to {n} offices.").format(n=MAX_STEPS))
    if offices[-1] != Office.EXECUTIVE:
        raise UserError(_("A sign-off chain ends with the นายก, who approves."))


def remind_due(since: dt.date, today: dt.date, calendar: WorkCalendar) -> int:
    """How many reminders a step waiting since ``since`` is owed by ``today`` (one per REMIND_EVERY working
    days, counted only on working days); the tick sends the newest one it has not sent."""
    if not calendar.is_working(today):
        return 0
    return calendar.between(since, today) // REMIND_EVERY


def working_days_taken(closed_on: dt.date, approved_on: dt.date, calendar: WorkCalendar) -> int:
    """Closed → approved, in working days (the day of closing does not count; approval on it is 0)."""
    return calendar.between(closed_on, approved_on)


def short_code(doc_hash: str) -> str:
    """The document code printed in a signature block: the hash's first 16 hex digits, in groups of four."""
    return "-".join(doc_hash[i : i + 4] for i in range(0, 16, 4)).upper()
