"""The status rules: one status for an item several units answer, and a share as a percentage of a whole."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from domain.vocabulary import AWAITING, Status


def combined_status(answers: Sequence[Status | None]) -> str:
    """One status for an item from its owning units' answers (None: that unit has not answered).

    None answered → awaiting; all answered alike → that status; all answered but mixed →
    in progress; some not yet answered → in progress if any answer shows work, else awaiting.
    So an item is completed only when every owning unit says so.
    """
    given = [a for a in answers if a is not None]
    if not given:
        return AWAITING
    if len(given) == len(answers) and len(set(given)) == 1:
        return given[0].value
    if len(given) == len(answers) or any(a in (Status.IN_PROGRESS, Status.COMPLETED) for a in given):
        return Status.IN_PROGRESS.value
    return AWAITING


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal:
    """``part`` of ``whole`` in percent, two places, half up (0 of nothing is 0.00)."""
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
