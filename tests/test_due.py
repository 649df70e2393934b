"""The tick's decision as a pure rule: which reminders and thank-yous the ladder asks of each unit, with no
database (domain/due.py), against the 2569 six-month ladder."""

import datetime as dt

from domain.calendar import WorkCalendar
from domain.due import Due, SendKind, UnitInRound, due_sends
from domain.ladder import ladder

D = dt.date
RUNGS = ladder(D(2026, 3, 15), D(2026, 4, 10), D(2026, 4, 30), WorkCalendar())
WAITING = UnitInRound(3, awaiting=2, answered_here=False, thanked=False)


def test_on_the_opening_day_a_unit_that_awaits_is_reminded_once_and_the_rung_is_marked():
    got = due_sends([WAITING], RUNGS, D(2026, 3, 16), True, thanks=True)
    assert got.sends == [Due(3, SendKind.REMINDER, "open")]
    assert got.marks == [(3, "open")]


def test_outside_working_time_nothing_is_sent_or_marked_so_it_goes_when_work_starts():
    got = due_sends([WAITING], RUNGS, D(2026, 3, 16), False, thanks=True)
    assert got.sends == [] and got.marks == []


def test_a_rung_found_after_the_next_one_is_due_is_late_and_the_head_track_reaches_the_head():
    got = due_sends([WAITING], RUNGS, D(2026, 4, 20), True, thanks=True)  # the 3rd working day after the due day
    late = [d.rung for d in got.sends if d.late]
    assert late == ["open", "d7", "d3", "d1", "due"]  # each superseded by the next of its track
    on_time = [d for d in got.sends if not d.late]
    assert [(d.rung, d.to_head) for d in on_time] == [("over2", False), ("head3", True)]


def test_a_unit_with_nothing_awaiting_is_thanked_once_only_if_it_answered_in_this_round():
    answered = UnitInRound(1, awaiting=0, answered_here=True, thanked=False)
    carried = UnitInRound(2, awaiting=0, answered_here=False, thanked=False)
    already = UnitInRound(4, awaiting=0, answered_here=True, thanked=True)
    got = due_sends([already, carried, answered], RUNGS, D(2026, 3, 20), True, thanks=True)
    assert got.sends == [Due(1, SendKind.THANKS, "thanks")]
    assert got.marks == [(1, "thanks"), (2, "thanks"), (4, "thanks")]  # in unit order
    assert due_sends([answered], RUNGS, D(2026, 3, 20), True, thanks=False).sends == []
    assert due_sends([answered], RUNGS, D(2026, 3, 20), True, thanks=True, projection=True).marks == []
