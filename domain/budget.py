"""The one budget basis: what money disbursed is compared with, in the chat, the checks and the documents.

An item may carry two budgets: the plan's and the one under the ordinance (ข้อบัญญัติ/เทศบัญญัติ).
The ordinance budget is what may actually be disbursed, so where there is one it is the basis;
otherwise the plan's budget is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol


class Budgeted(Protocol):
    """What the rule reads of a plan item."""

    budget_plan: Decimal | None
    budget_ordinance: Decimal | None
    no_budget: bool


def budget_basis(item: Budgeted) -> Decimal | None:
    """The amount disbursed money is measured against (None: the item uses no budget)."""
    return basis_of(item.budget_plan, item.budget_ordinance, item.no_budget)


def basis_of(plan: Decimal | None, ordinance: Decimal | None, no_budget: bool) -> Decimal | None:
    """``budget_basis`` for columns read set-wise (roll-ups of many organisations)."""
    if no_budget:
        return None
    return ordinance if ordinance is not None else plan


def budgets_differ(item: Budgeted) -> bool:
    return None not in (item.budget_plan, item.budget_ordinance) and item.budget_plan != item.budget_ordinance
