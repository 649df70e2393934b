"""A unit's answer to an item: which parts it has for this item and status, in the order the chat asks them, and
what is wrong with a given one — one rule, called by the chat (one part at a time) and the form (all at once).

An item with a budget asks the money disbursed (except when nothing was started); one with a target asks the
quantity achieved (when work was done); "could not be done" asks e-PlanNACC's reason, and a text for "other";
work in progress or done asks what was done. Evidence is asked last, except for "could not be done".
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from domain.budget import Budgeted, budget_basis
from domain.vocabulary import CannotReason, Status
from locales.errors import ParseError
from locales.i18n import _
from locales.thai import NO_BUDGET, parse_amount, parse_quantity

MAX_TEXT = 2000  # characters in a free-text answer (what was done, a reason)
URL_RE = re.compile(r"^https?://\S+$", re.IGNORECASE)


class Part(str, enum.Enum):
    DONE = "done"
    REASON_CATEGORY = "reason_category"
    REASON = "reason"
    DISBURSED = "disbursed"
    QTY = "qty"
    EVIDENCE = "evidence"


class Planned(Budgeted, Protocol):
    """What the rule reads of a plan item."""

    target_qty: Decimal | None


def parts(item: Planned, status: Status, category: CannotReason | None = None, *, kept: bool = False) -> list[Part]:
    """The parts of an answer, in the order they are asked. ``kept``: the 6-month answer kept as it was, where
    only the money disbursed to date is asked again."""
    money = not item.no_budget and status != Status.NOT_STARTED
    if kept:
        return [Part.DISBURSED] if money else []
    out: list[Part] = []
    if status == Status.CANNOT:
        out.append(Part.REASON_CATEGORY)
        if category == CannotReason.OTHER:
            out.append(Part.REASON)
    elif status in (Status.IN_PROGRESS, Status.COMPLETED):
        out.append(Part.DONE)
    if money:
        out.append(Part.DISBURSED)
    if item.target_qty is not None and status in (Status.IN_PROGRESS, Status.COMPLETED):
        out.append(Part.QTY)
    if status != Status.CANNOT:
        out.append(Part.EVIDENCE)
    return out


def next_part(
    item: Planned, status: Status, category: CannotReason | None, after: Part | None, *, kept: bool = False
) -> Part | None:
    """The part to ask after ``after`` (None: the first); None when the answer is complete."""
    order = parts(item, status, category, kept=kept)
    if after is None:
        return order[0] if order else None
    later = order[order.index(after) + 1 :] if after in order else order
    return later[0] if later else None


@dataclass
class Answer:
    """An answer as read from what was typed: values parsed, nothing the status does not ask."""

    status: Status
    done: str = ""
    disbursed: Decimal | None = None
    no_money: bool = False
    qty: Decimal | None = None
    reason_category: CannotReason | None = None
    reason: str = ""


@dataclass
class Reading:
    answer: Answer | None = None
    problems: dict[str, str] = field(default_factory=dict)  # part (or "status") → what is wrong, in words


def too_long(text: str) -> str | None:
    if len(text) > MAX_TEXT:
        return _("That is too long ({n} characters); please keep it under {limit} characters.").format(
            n=f"{len(text):,}", limit=f"{MAX_TEXT:,}"
        )
    return None


def over_budget(item: Budgeted, amount: Decimal | None) -> str | None:
    """The question to ask before an amount above the item's budget is kept (the chat asks, the form warns)."""
    budget = budget_basis(item)
    if amount is not None and budget is not None and amount > budget:
        return _("{amount} is more than the budget of {budget}. Is it correct?").format(
            amount=f"{amount:,.2f}", budget=f"{budget:,.2f}"
        )
    return None


def _done(item: Planned, text: str, answer: Answer, over_ok: bool) -> str | None:
    answer.done = text
    return None if text else _("Please say briefly what was done.")


def _category(item: Planned, text: str, answer: Answer, over_ok: bool) -> str | None:
    return None if answer.reason_category else _("Please choose why it could not be done.")


def _reason(item: Planned, text: str, answer: Answer, over_ok: bool) -> str | None:
    answer.reason = text
    return None if text else _("Please type the reason.")


def _disbursed(item: Planned, text: str, answer: Answer, over_ok: bool) -> str | None:
    try:
        value = parse_amount(text, allow_empty_as_none=False)
    except ParseError as e:
        return str(e)
    answer.disbursed, answer.no_money = (None, True) if value is NO_BUDGET else (value, False)
    return None if over_ok else over_budget(item, answer.disbursed)


def _qty(item: Planned, text: str, answer: Answer, over_ok: bool) -> str | None:
    try:
        answer.qty = parse_quantity(text)
    except ParseError as e:
        return str(e)
    return None


# how each part is read from what was typed: it sets the answer's value and returns what is wrong, if anything
_READ = {
    Part.DONE: _done,
    Part.REASON_CATEGORY: _category,
    Part.REASON: _reason,
    Part.DISBURSED: _disbursed,
    Part.QTY: _qty,
}


def read_answer(item: Planned, typed: Mapping[str, Any], *, over_budget_ok: bool = False) -> Reading:
    """Every part this item and status ask for, read from ``typed`` (the form's fields, or the chat's draft);
    every problem named beside its part. Text beyond the parts asked is ignored."""
    out = Reading()
    status = {s.value: s for s in Status}.get(str(typed.get("status") or ""))
    if status is None:
        out.problems["status"] = _("Please choose the status.")
        return out
    category = {c.value: c for c in CannotReason}.get(str(typed.get("reason_category") or ""))
    answer = Answer(status, reason_category=category)
    for part in parts(item, status, category):
        text = str(typed.get(part.value) or "").strip()
        problem = too_long(text) if part in (Part.DONE, Part.REASON) else None
        problem = problem or (_READ[part](item, text, answer, over_budget_ok) if part in _READ else None)
        if problem:
            out.problems[part.value] = problem
    if status == Status.CANNOT and not answer.reason:  # a text beside any other reason is kept too
        answer.reason = str(typed.get(Part.REASON.value) or "").strip()
        if long := too_long(answer.reason):
            out.problems[Part.REASON.value] = long
    if not out.problems:
        out.answer = answer
    return out
