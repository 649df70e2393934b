"""Thai digits, amounts, dates and month ranges: examples from the seeds plus property-based round trips."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from locales.errors import ParseError
from locales.thai import (
    NO_BUDGET,
    MonthRange,
    format_amount,
    format_date,
    parse_amount,
    parse_date,
    parse_month_range,
    parse_quantity,
    to_arabic_digits,
    to_thai_digits,
)

amounts = st.decimals(
    min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False, allow_infinity=False
)


@given(st.text())
def test_digit_round_trip(text):
    arabic = to_arabic_digits(text)
    assert not any("๐" <= c <= "๙" for c in arabic)
    assert to_arabic_digits(to_thai_digits(arabic)) == arabic


@given(amounts, st.booleans())
def test_amount_round_trip(value, thai):
    text = format_amount(value, thai_digits=thai)
    assert parse_amount(text) == value
    assert parse_amount(text + " บาท") == value


@given(amounts)
def test_amount_without_commas(value):
    assert parse_amount(format(value, "f")) == value


@pytest.mark.parametrize(
    "text, expected",
    [
        ("๕,๐๐๐", Decimal("5000.00")),
        ("๕,๐๐๐.๕๐", Decimal("5000.50")),
        ("5000.5 บาท", Decimal("5000.50")),
        ("50,000.00", Decimal("50000.00")),
        ("  ๑๒,๕๐๐.๕๐บาท ", Decimal("12500.50")),
        ("0", Decimal("0.00")),
        (20000, Decimal("20000.00")),
        (12500.5, Decimal("12500.50")),
    ],
)
def test_amounts_people_type(text, expected):
    value = parse_amount(text)
    assert value == expected and isinstance(value, Decimal)


@pytest.mark.parametrize("text", ["-", "", None, "ไม่ใช้งบประมาณ", "ไม่ใช่ งบประมาณ", "ไม่ใช้", "--", "ไม่ใช้ งบประมาณ-"])
def test_no_budget_spellings(text):
    assert parse_amount(text) is NO_BUDGET


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("abc", "abc"),
        ("ห้าพัน", "ตัวเลข"),
        ("-500", "ติดลบ"),
        ("5,00", "5,00"),
        ("1.234", "ทศนิยม"),
        ("12,34,567", "12,34,567"),
    ],
)
def test_amounts_refused_in_thai(text, fragment):
    with pytest.raises(ParseError) as e:
        parse_amount(text)
    assert fragment in str(e.value)


@given(st.text(max_size=30))
def test_parse_amount_never_crashes(text):
    try:
        value = parse_amount(text)
    except ParseError:
        return
    assert value is NO_BUDGET or (
        isinstance(value, Decimal) and value >= 0 and value == value.quantize(Decimal("0.01"))
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10/4/2569", dt.date(2026, 4, 10)),
        ("๑๐/๔/๒๕๖๙", dt.date(2026, 4, 10)),
        ("10 เม.ย. 2569", dt.date(2026, 4, 10)),
        ("10 เมษายน 2569", dt.date(2026, 4, 10)),
        ("2026-04-10", dt.date(2026, 4, 10)),
        ("15 ม.ค. 66", dt.date(2023, 1, 15)),
        ("15/1/2023", dt.date(2023, 1, 15)),
        ("๑๙ ตุลาคม ๒๕๖๖", dt.date(2023, 10, 19)),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/9/2569", "31 กันยายน 2569", "30/2/2569"])
def test_impossible_dates_refused(text):
    with pytest.raises(ParseError) as e:
        parse_date(text)
    assert "ไม่มีวันที่" in str(e.value)


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2150, 12, 31)), st.booleans(), st.booleans())
def test_date_round_trip(day, thai, abbr):
    assert parse_date(format_date(day, thai_digits=thai, abbr=abbr)) == day


def test_format_date_be():
    assert format_date(dt.date(2023, 10, 19)) == "๑๙ ตุลาคม ๒๕๖๖"
    assert format_date(dt.date(2026, 4, 10), thai_digits=False, abbr=True) == "10 เม.ย. 2569"


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("ต.ค.๖๕-มี.ค.๖๖", dt.date(2022, 10, 1), dt.date(2023, 3, 1)),
        ("พ.ย.-ธ.ค.๖๕", dt.date(2022, 11, 1), dt.date(2022, 12, 1)),
        ("ต.ค.-ก.ย.๖๙", dt.date(2025, 10, 1), dt.date(2026, 9, 1)),
        ("ม.ค.๖๖", dt.date(2023, 1, 1), dt.date(2023, 1, 1)),
        ("ตุลาคม 2568 - กันยายน 2569", dt.date(2025, 10, 1), dt.date(2026, 9, 1)),
    ],
)
def test_month_ranges(text, start, end):
    assert parse_month_range(text) == MonthRange(start, end)


@given(
    st.dates(min_value=dt.date(1957, 1, 1), max_value=dt.date(2054, 12, 1)),  # two-digit BE: 2500–2599
    st.integers(min_value=0, max_value=23),
    st.booleans(),
)
def test_month_range_round_trip(first, length, thai):
    start = first.replace(day=1)
    months = start.year * 12 + start.month - 1 + length
    end = dt.date(months // 12, months % 12 + 1, 1)
    rng = MonthRange(start, end)
    assert parse_month_range(rng.format(thai_digits=thai)) == rng


@pytest.mark.parametrize("text", ["มี.ค.-ต.ค.", "สงกรานต์", "ต.ค.66-มี.ค.65"])
def test_bad_month_ranges(text):
    with pytest.raises(ParseError):
        parse_month_range(text)


def test_quantities():
    assert parse_quantity("๑๐๐") == Decimal(100)
    assert parse_quantity("ร้อยละ 80.5") == Decimal("80.5")
    assert parse_quantity("1,200") == Decimal(1200)
    assert parse_quantity("") is None
    with pytest.raises(ParseError):
        parse_quantity("ร้อยคน")


# ---------------------------------------------------------------- shortening labels

THAI_TEXT = st.text(
    alphabet=st.sampled_from(list("กขคงจฉชซดตถทนบปผพฟมยรลวสหอฮะัาำิีึืุูเแโใไ่้๊๋็์ ") + ["1", "2", "-", "."]), max_size=120
)


@settings(deadline=None)  # the first call loads pythainlp's dictionary
@given(THAI_TEXT, st.integers(min_value=4, max_value=60))
def test_clip_never_cuts_inside_a_character_cluster(text, width):
    import unicodedata

    from locales.thai import clip

    out = clip(text, width)
    assert len(out) <= width
    if out == text:
        return
    kept = out[:-1].rstrip()
    assert out.endswith("…") and text.startswith(kept)
    rest = text[len(kept) :]
    # what follows the cut never hangs on the kept part: no vowel or tone mark, no ะ า ำ left behind (a text that
    # itself begins with one, cut before anything is kept, leaves nothing for it to hang on)
    assert not rest or not kept or (unicodedata.category(rest[0]) != "Mn" and rest[0] not in "ะาำๅ"), (text, out)


def test_labels_keep_their_tone_marks():
    from base.events import Button
    from bot.adapters.line import _quick
    from locales.thai import clip

    assert clip("ไม่สามารถดำเนินการได้", 20) == "ไม่สามารถดำเนินการ…"  # not "ไม่สามารถดำเนินการได"
    label = _quick([Button("ไม่สามารถดำเนินการได้", "st:x:x")], "")["items"][0]["action"]["label"]
    assert label == "ไม่สามารถดำเนินการ…"
    assert clip("⏳ 1.1-1 โครงการบริหารงานตามหลักธรรมาภิบาลทับซ้อน", 40) == "⏳ 1.1-1 โครงการบริหารงานตามหลักธรรมาภิ…"
    assert clip("มาตรการ “ส่งเสริม การปฏิบัติงานตาม ประมวลจริยธรรม”", 30) == "มาตรการ “ส่งเสริม…"  # at a space
