"""Working days and the reminder ladder, against dates worked out by hand from the 2569 calendar."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import WorkCalendar, default_rounds, fiscal_year_bounds, fiscal_year_of
from domain.ladder import ALL_RUNGS, ladder

D = dt.date


def test_fiscal_year_and_default_rounds():
    assert fiscal_year_bounds(2569) == (D(2025, 10, 1), D(2026, 9, 30))
    assert fiscal_year_of(D(2025, 10, 1)) == 2569 and fiscal_year_of(D(2025, 9, 30)) == 2568
    six, twelve = default_rounds(2569)
    assert (six.opens_on, six.due_on, six.submit_by, six.period_end) == (
        D(2026, 3, 15),
        D(2026, 4, 10),
        D(2026, 4, 30),
        D(2026, 3, 31),
    )
    assert (twelve.opens_on, twelve.due_on, twelve.submit_by) == (D(2026, 9, 15), D(2026, 10, 10), D(2026, 10, 31))


def test_working_days_skip_weekends_public_holidays_and_added_days():
    cal = WorkCalendar({D(2026, 4, 8)})
    assert not cal.is_working(D(2026, 4, 6))  # Chakri Day
    assert not cal.is_working(D(2026, 4, 14))  # Songkran
    assert not cal.is_working(D(2026, 4, 11))  # Saturday
    assert not cal.is_working(D(2026, 4, 8))  # added by the admin
    assert cal.is_working(D(2026, 4, 9))
    assert cal.shift(D(2026, 4, 10), 1) == D(2026, 4, 16)  # after Songkran
    assert cal.shift(D(2026, 4, 10), -3) == D(2026, 4, 3)
    assert cal.between(D(2026, 4, 9), D(2026, 4, 17)) == 3


def test_the_six_month_ladder_of_2569():
    got = [(r.name, r.day, r.until) for r in ladder(D(2026, 3, 15), D(2026, 4, 10), D(2026, 4, 30), WorkCalendar())]
    assert got == [
        ("open", D(2026, 3, 16), D(2026, 3, 31)),  # 15 March is a Sunday
        ("d7", D(2026, 3, 31), D(2026, 4, 7)),  # 6 April (Chakri Day) does not count
        ("d3", D(2026, 4, 7), D(2026, 4, 9)),
        ("d1", D(2026, 4, 9), D(2026, 4, 10)),
        ("due", D(2026, 4, 10), D(2026, 4, 17)),
        ("over2", D(2026, 4, 17), D(2026, 4, 21)),  # Songkran 13–15 April does not count
        ("head3", D(2026, 4, 20), D(2026, 4, 22)),
        ("over4", D(2026, 4, 21), D(2026, 4, 23)),
        ("head5", D(2026, 4, 22), D(2026, 4, 24)),
        ("over6", D(2026, 4, 23), D(2026, 4, 27)),
        ("head7", D(2026, 4, 24), D(2026, 4, 28)),
        ("over8", D(2026, 4, 27), D(2026, 4, 29)),
        ("head9", D(2026, 4, 28), D(2026, 4, 30)),
        ("over10", D(2026, 4, 29), D(2026, 5, 1)),
        ("head11", D(2026, 4, 30), D(2026, 5, 1)),
    ]


def test_due_date_on_a_weekend_has_no_due_rung_and_rungs_can_be_turned_off():
    names = [r.name for r in ladder(D(2026, 9, 15), D(2026, 10, 10), D(2026, 10, 31), WorkCalendar())]
    assert names[:4] == ["open", "d7", "d3", "d1"] and "due" not in names  # 10 October 2026 is a Saturday
    few = ladder(D(2026, 9, 15), D(2026, 10, 10), D(2026, 10, 31), WorkCalendar(), frozenset({"d1", "overdue"}))
    assert {r.name[:4] for r in few} == {"d1", "over"}


@given(st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 1)), st.integers(5, 40), st.integers(0, 30))
def test_every_rung_falls_on_a_working_day_in_order(opens, to_due, to_submit):
    cal = WorkCalendar()
    due = opens + dt.timedelta(days=to_due)
    rungs = ladder(opens, due, due + dt.timedelta(days=to_submit), cal, frozenset(ALL_RUNGS))
    for r in rungs:
        assert cal.is_working(r.day) and r.day < r.until and r.day >= opens
    for track in ("unit", "head"):
        days = [r.day for r in rungs if r.track == track]
        assert days == sorted(days) and len(set(days)) == len(days)


def test_a_rungs_fate_on_a_day_is_decided_without_a_database():
    import datetime as dt

    from domain.ladder import Fate, Rung, fate

    rung = Rung("d3", dt.date(2026, 4, 7), "unit", dt.date(2026, 4, 9))
    assert fate(rung, dt.date(2026, 4, 6), working=True) == Fate.LATER
    assert fate(rung, dt.date(2026, 4, 7), working=False) == Fate.WAIT
    assert fate(rung, dt.date(2026, 4, 8), working=True) == Fate.SEND
    assert fate(rung, dt.date(2026, 4, 9), working=False) == Fate.DROP  # the next rung is due: never sent late
