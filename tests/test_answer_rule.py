"""The answer's one rule (domain/answer.py), without a database: which parts an item and status ask, in the
chat's order, and what is wrong with a given answer — the same rule the form reads all at once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from domain.answer import Part, next_part, parts, read_answer
from domain.vocabulary import CannotReason, Status


@dataclass
class Item:
    budget_plan: Decimal | None = Decimal("20000")
    budget_ordinance: Decimal | None = None
    no_budget: bool = False
    target_qty: Decimal | None = Decimal("2")


@pytest.mark.parametrize(
    "item, status, category, expected",
    [
        (Item(), Status.NOT_STARTED, None, [Part.EVIDENCE]),
        (Item(), Status.IN_PROGRESS, None, [Part.DONE, Part.DISBURSED, Part.QTY, Part.EVIDENCE]),
        (Item(no_budget=True, target_qty=None), Status.COMPLETED, None, [Part.DONE, Part.EVIDENCE]),
        (Item(), Status.CANNOT, CannotReason.STAFF, [Part.REASON_CATEGORY, Part.DISBURSED]),
        (Item(), Status.CANNOT, CannotReason.OTHER, [Part.REASON_CATEGORY, Part.REASON, Part.DISBURSED]),
        (Item(no_budget=True), Status.CANNOT, CannotReason.POLICY, [Part.REASON_CATEGORY]),
    ],
)
def test_the_parts_an_item_and_status_ask_in_the_chats_order(item, status, category, expected):
    assert parts(item, status, category) == expected
    walked, part = [], next_part(item, status, category, None)
    while part is not None:  # the chat, one part at a time
        walked.append(part)
        part = next_part(item, status, category, part)
    assert walked == expected


def test_a_kept_answer_asks_only_the_money_again():
    assert parts(Item(), Status.IN_PROGRESS, kept=True) == [Part.DISBURSED]
    assert (
        parts(Item(), Status.NOT_STARTED, kept=True) == []
        and parts(Item(no_budget=True), Status.COMPLETED, kept=True) == []
    )


def test_what_is_wrong_is_named_beside_its_part():
    reading = read_answer(Item(), {"status": "in_progress", "done": "", "disbursed": "ห้าพัน", "qty": "1" * 20})
    assert set(reading.problems) == {"done", "disbursed", "qty"} and reading.answer is None
    over = read_answer(Item(), {"status": "completed", "done": "อบรม", "disbursed": "25,000", "qty": "๒"})
    assert "มากกว่างบประมาณ" in over.problems["disbursed"]
    fine = read_answer(
        Item(), {"status": "completed", "done": "อบรม", "disbursed": "25,000", "qty": "๒"}, over_budget_ok=True
    )
    assert fine.answer is not None and fine.answer.disbursed == Decimal("25000.00") and fine.answer.qty == 2
    cannot = read_answer(Item(), {"status": "cannot", "reason_category": "other", "disbursed": "-"})
    assert cannot.problems == {"reason": "กรุณาพิมพ์เหตุผล"}
    assert read_answer(Item(), {"status": "x"}).problems == {"status": "กรุณาเลือกสถานะ"}
