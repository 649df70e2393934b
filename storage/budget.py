"""The one budget basis: what money disbursed is compared with, in the chat, the checks and the documents.

An item may carry two budgets: the plan's and the one under the ordinance (ข้อบัญญัติ/เทศบัญญัติ).
The ordinance budget is what may actually be disbursed, so where there is one it is the basis;
otherwise the plan's budget is.
"""

from __future__ import annotations

from decimal import Decimal

from storage.models import PlanItem


def budget_basis(item: PlanItem) -> Decimal | None:
    """The amount disbursed money is measured against (None: the item uses no budget)."""
    if item.no_budget:
        return None
    return item.budget_ordinance if item.budget_ordinance is not None else item.budget_plan


def budgets_differ(item: PlanItem) -> bool:
    return None not in (item.budget_plan, item.budget_ordinance) and item.budget_plan != item.budget_ordinance
