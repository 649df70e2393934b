"""Thai digits, baht amounts, Buddhist-era dates and month ranges — read and written in one place.

Parsers raise :class:`ParseError` with a message key the caller translates, so that a
person always gets a sentence, never a traceback. Money is ``Decimal``; a parser never
guesses: anything it cannot read exactly is refused.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from pythainlp.util import arabic_digit_to_thai_digit, thai_digit_to_arabic_digit
from pythainlp.util.date import thai_abbr_months, thai_full_months

from locales.errors import ParseError
from locales.i18n import _, current_language

BE_OFFSET = 543
SATANG = Decimal("0.01")


# ---------------------------------------------------------------- digits


def to_arabic_digits(text: str) -> str:
    return thai_digit_to_arabic_digit(text)


def to_thai_digits(text: str) -> str:
    return arabic_digit_to_thai_digit(text)


def digits(text: str, thai: bool) -> str:
    """Render the digits of ``text`` in the script a document asks for."""
    return to_thai_digits(text) if thai else text


def _normalise(text: str) -> str:
    text = to_arabic_digits(str(text)).replace("\u200b", "").replace("\xa0", " ")
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------- money


class Budget(enum.Enum):
    """The explicit "no budget" answer — distinct from zero and from "not reported"."""

    NONE = "none"


NO_BUDGET = Budget.NONE

# "-" and the ways people (and OCR) write "no budget": ไม่ใช้งบประมาณ, ไม่ใช่งบประมาณ, ไม่ใช้ ...
_NO_BUDGET_RE = re.compile(
    r"^(?:-+|–|—|ไม่ใช[้่]?\s*(?:งบ(?:ประมาณ)?)?\s*-?|ไม่มี(?:งบ(?:ประมาณ)?)?|ไม่ได้ใช้(?:งบ(?:ประมาณ)?)?)$"
)
_AMOUNT_RE = re.compile(r"^(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?$")
_BAHT_SUFFIX_RE = re.compile(r"\s*(?:บาท|บ\.|thb|฿)\s*$", re.IGNORECASE)
_BAHT_PREFIX_RE = re.compile(r"^\s*(?:฿|thb)\s*", re.IGNORECASE)
_THAI_NUMBER_WORD_RE = re.compile(r"(ศูนย์|หนึ่ง|สอง|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า|สิบ|ยี่|ร้อย|พัน|หมื่น|แสน|ล้าน)")


def _typed(value: str | int | float | Decimal) -> str:
    """A value as the person typed it: a spreadsheet's float by its shortest repr, a Decimal without exponent."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    return str(value)


def parse_amount(text: str | int | float | Decimal | None, *, allow_empty_as_none: bool = True) -> Decimal | Budget:
    """Read a baht amount as typed by a person: Thai or Arabic digits, commas, "บาท".

    Returns a ``Decimal`` with two places, or ``NO_BUDGET`` for "-", empty and
    "ไม่ใช้งบประมาณ". Words ("ห้าพัน"), negative numbers, more than two decimals and
    misplaced commas are refused with a message that shows what works.
    """
    if text is None:
        if allow_empty_as_none:
            return NO_BUDGET
        raise ParseError(_("Please type an amount, for example 5,000 or 5000.50"))
    text = _typed(text)
    if len(text) > TYPED_MAX:
        raise ParseError(_("The amount {text} is too large").format(text=shown(text)))
    s = _normalise(text)
    if s == "" and allow_empty_as_none:
        return NO_BUDGET
    if _NO_BUDGET_RE.match(s.replace(" ", "")) or _NO_BUDGET_RE.match(s):
        return NO_BUDGET
    value = _baht(_BAHT_PREFIX_RE.sub("", _BAHT_SUFFIX_RE.sub("", s)).strip(), text)
    if value >= AMOUNT_LIMIT:
        raise ParseError(_("The amount {text} is too large").format(text=shown(text)))
    return value.quantize(SATANG)


def _baht(s: str, text: str) -> Decimal:
    """The digits of an amount, its currency words taken off (``text``: as typed, for the message)."""
    if s.startswith("-") or s.startswith("−"):
        raise ParseError(_("An amount cannot be negative: {text}").format(text=text))
    if _THAI_NUMBER_WORD_RE.search(s):
        raise ParseError(_("Please type the amount in digits, not words, for example 5,000 or ๕,๐๐๐"))
    m = _AMOUNT_RE.match(s)
    if not m:
        raise ParseError(
            _('Cannot read "{text}" as an amount in baht; type for example 5,000 or 5000.50').format(text=text)
        )
    frac = m["frac"] or ""
    if len(frac) > 2:
        raise ParseError(_("An amount has at most two decimal places (satang): {text}").format(text=text))
    return Decimal(m["int"].replace(",", "") + "." + (frac or "0"))  # only digits: the pattern admits no other


def format_amount(
    value: Decimal | Budget | None, *, thai_digits: bool = False, satang: bool = True, no_budget: str = "-"
) -> str:
    """Write an amount with thousands commas: ``5,000.50``; ``no_budget`` for NO_BUDGET/None; an amount no
    parser could give (stored before a bound): "invalid value", never an error in a document."""
    if value is None or value is NO_BUDGET:
        return no_budget
    if not Decimal(value).is_finite() or abs(Decimal(value)) >= 10**15:  # sums of in-bound amounts stay below
        return _("invalid value")
    q = Decimal(value).quantize(SATANG)
    text = f"{q:,.2f}" if satang else f"{q.to_integral_value():,}"
    return digits(text, thai_digits)


QTY_DIGITS, QTY_PLACES = 12, 4  # 999,999,999,999.9999: more than any target; 17 characters in a 40-character column
AMOUNT_LIMIT = Decimal("1e12")  # a trillion baht: no local government's item comes near
TYPED_MAX = 100  # characters of a number as typed: beyond it nothing is read (a 5,000-digit paste is refused at once)


def quantity_in_bounds(value: Decimal | None) -> bool:
    """Whether a stored quantity is one ``parse_quantity`` could have given (a row written before the bound, or
    by hand, may not be): documents show such a value as invalid and list it among the checks, never fail."""
    if value is None:
        return True
    if not value.is_finite():
        return False
    places = -int(value.as_tuple().exponent)  # finite: the exponent is a number
    return 0 <= value < Decimal(10) ** QTY_DIGITS and places <= QTY_PLACES


def amount_in_bounds(value: Decimal | None) -> bool:
    if value is None:
        return True
    return value.is_finite() and 0 <= value < AMOUNT_LIMIT


def shown(text: object, width: int = 24) -> str:
    """What a person typed, echoed in a message: cut, so that a 5,000-character paste is not sent back whole."""
    text = str(text)
    return text if len(text) <= width else text[:width] + "…"


def parse_quantity(text: str | int | float | Decimal | None) -> Decimal | None:
    """A target or achieved quantity (may be a percentage such as 70 or 80.5); empty → None. At most
    ``QTY_DIGITS`` digits before the point and ``QTY_PLACES`` after: the same bound in the chat, the form, the
    CLI and the plan file, since all of them read quantities here."""
    if text is None:
        return None
    if isinstance(text, float):
        text = repr(text)
    if isinstance(text, Decimal):
        text = format(text, "f") if text.is_finite() else str(text)
    if len(str(text)) > TYPED_MAX:
        raise ParseError(_("The quantity {text} is too large").format(text=shown(text)))
    s = _normalise(str(text)).replace(",", "")
    if s in ("", "-"):
        return None
    s = re.sub(r"^ร้อยละ\s*", "", s).rstrip("%").strip()
    if _THAI_NUMBER_WORD_RE.search(s):
        raise ParseError(_("Please type the quantity in digits, for example 100 or ๑๐๐"))
    if not re.fullmatch(r"\d+(?:\.\d+)?", s):
        raise ParseError(_('Cannot read "{text}" as a quantity; type a number such as 100').format(text=shown(text)))
    whole, _point, places = s.partition(".")
    if len(whole.lstrip("0")) > QTY_DIGITS:
        raise ParseError(_("The quantity {text} is too large").format(text=shown(text)))
    if len(places.rstrip("0")) > QTY_PLACES:
        raise ParseError(_("A quantity has at most {n} decimal places: {text}").format(n=QTY_PLACES, text=shown(text)))
    return Decimal(s.rstrip("0").rstrip(".") if "." in s else s)  # 1.50 → 1.5, 100.0 → 100 (never 1E+2)


def format_quantity(value: Decimal | None, *, thai_digits: bool = False) -> str:
    if value is None:
        return "-"
    if not quantity_in_bounds(value):
        return _("invalid value")
    text = f"{value:,f}" if value != value.to_integral_value() else f"{int(value):,}"
    return digits(text, thai_digits)


# ---------------------------------------------------------------- dates

MONTHS_FULL: tuple[str, ...] = tuple(thai_full_months)
MONTHS_ABBR: tuple[str, ...] = tuple(thai_abbr_months)


def _month_lookup() -> dict[str, int]:
    table: dict[str, int] = {}
    for i, (full, abbr) in enumerate(zip(MONTHS_FULL, MONTHS_ABBR, strict=False), start=1):
        table[full] = i
        table[abbr] = i
        table[abbr.replace(".", "")] = i
        table[abbr.replace(" ", "")] = i
    return table


_MONTHS = _month_lookup()
_MONTH_ALT = "|".join(sorted((re.escape(k) for k in _MONTHS), key=len, reverse=True))


def year_to_ce(year: int, *, two_digit_century_be: int = 2500) -> int:
    """A year as people write it (2569, 69, 2026) → the Christian era year.

    Four digits from 2400 up are BE; below that CE. Two digits are BE years of the
    25th century (66 → 2566), as in "ต.ค.๖๕" and "15 ม.ค. 66".
    """
    if year < 100:
        year += two_digit_century_be
    return year - BE_OFFSET if year >= 2400 else year


def _make_date(day: int, month: int, year: int, original: str) -> dt.date:
    ce = year_to_ce(year)
    try:
        return dt.date(ce, month, day)
    except ValueError:
        if 1 <= month <= 12:
            raise ParseError(
                _("There is no day {day} in {month} {year}").format(
                    day=day, month=MONTHS_FULL[month - 1], year=ce + BE_OFFSET
                )
            ) from None
        raise ParseError(
            _('Cannot read "{text}" as a date; type for example 10/4/2569 or 10 เม.ย. 2569').format(text=original)
        ) from None


def parse_date(text: str) -> dt.date:
    """Read a date typed as 10/4/2569, 10-4-69, 10 เม.ย. 2569, 10 เมษายน 69 or 2026-04-10."""
    s = _normalise(text)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s):
        return _make_date(int(m[3]), int(m[2]), int(m[1]), text)
    if m := re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{2}|\d{4})", s):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), text)
    if m := re.fullmatch(rf"(\d{{1,2}})\s*({_MONTH_ALT})\s*(?:พ\.\s*ศ\.\s*)?(\d{{2}}|\d{{4}})", s):
        return _make_date(int(m[1]), _MONTHS[m[2].replace(" ", "")], int(m[3]), text)
    raise ParseError(_('Cannot read "{text}" as a date; type for example 10/4/2569 or 10 เม.ย. 2569').format(text=text))


def _day_near(day: int, month: int, year: str | None, today: dt.date, original: str) -> dt.date:
    """A day with its year, or without one: the nearest such day that is not over a month past."""
    if year:
        return _make_date(day, month, int(year), original)
    for ce in (today.year, today.year + 1):
        found = _make_date(day, month, ce, original)
        if found >= today - dt.timedelta(days=31):
            return found
    return found


def _one_day(text: str, today: dt.date) -> dt.date:
    s = _normalise(text).strip()
    if m := re.fullmatch(rf"(\d{{1,2}})\s*({_MONTH_ALT})\s*(?:พ\.\s*ศ\.\s*)?(\d{{2}}|\d{{4}})?", s):
        return _day_near(int(m[1]), _MONTHS[m[2].replace(" ", "")], m[3], today, text)
    if m := re.fullmatch(r"(\d{1,2})\s*/\s*(\d{1,2})", s):
        return _day_near(int(m[1]), int(m[2]), None, today, text)
    return parse_date(text)


def parse_day_range(text: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """Read one day or a span of days as typed in Thai: "10 ธ.ค.", "10–20 ธ.ค.", "28 ธ.ค. – 5 ม.ค. 2570",
    "10/12 ถึง 20/12"; a day with no year is the nearest one not over a month past."""
    s = _normalise(text).strip()
    if len(s) > 60:
        raise ParseError(_('Cannot read "{text}" as dates; type for example 10–20 ธ.ค.').format(text=shown(text)))
    if m := re.fullmatch(rf"(\d{{1,2}})\s*[-–—]\s*(\d{{1,2}})\s*(({_MONTH_ALT}).*)", s):
        end = _one_day(f"{m[2]} {m[3]}", today)
        start = _make_date(int(m[1]), end.month, end.year, text)
    elif m := re.fullmatch(r"(.+?)\s*(?:[–—]|\s-\s|ถึง|to)\s*(.+)", s):
        start, end = _one_day(m[1], today), _one_day(m[2], today)
        if end < start and end.replace(year=end.year + 1) >= start:  # "28 ธ.ค. – 5 ม.ค.": into the next year
            end = end.replace(year=end.year + 1)
    else:
        start = end = _one_day(s, today)
    if end < start:
        raise ParseError(_("The last day comes before the first: {text}").format(text=shown(text)))
    return start, end


def format_date(value: dt.date, *, thai_digits: bool = True, abbr: bool = False) -> str:
    """``10 เมษายน 2569`` (or ``๑๐ เม.ย. ๒๕๖๙``): the BE form every person sees; in English, ``10 April 2026``."""
    if current_language() == "en":
        return f"{value.day} {value:%b %Y}" if abbr else f"{value.day} {value:%B %Y}"
    month = (MONTHS_ABBR if abbr else MONTHS_FULL)[value.month - 1]
    return digits(f"{value.day} {month} {value.year + BE_OFFSET}", thai_digits)


def format_datetime(value: dt.datetime, *, thai_digits: bool = False) -> str:
    """An aware timestamp shown in Asia/Bangkok: ``10 เม.ย. 2569 14:05 น.``"""

    local = value.astimezone(ZoneInfo("Asia/Bangkok"))
    unit = "" if current_language() == "en" else " น."
    text = f"{format_date(local.date(), thai_digits=False, abbr=True)} {local:%H:%M}{unit}"
    return digits(text, thai_digits)


# ---------------------------------------------------------------- month ranges


@dataclass(frozen=True)
class MonthRange:
    """First and last month (as the 1st day of each) an item runs or ran."""

    start: dt.date
    end: dt.date

    def format(self, *, thai_digits: bool = True) -> str:
        a, b = self.start, self.end

        def yy(d: dt.date) -> str:
            return f"{(d.year + BE_OFFSET) % 100:02d}"

        if a == b:
            text = f"{MONTHS_ABBR[a.month - 1]}{yy(a)}"
        elif a.year == b.year:
            text = f"{MONTHS_ABBR[a.month - 1]}-{MONTHS_ABBR[b.month - 1]}{yy(b)}"
        else:
            text = f"{MONTHS_ABBR[a.month - 1]}{yy(a)}-{MONTHS_ABBR[b.month - 1]}{yy(b)}"
        return digits(text, thai_digits)


_MONTH_YEAR_RE = re.compile(rf"^({_MONTH_ALT})\s*(?:พ\.\s*ศ\.\s*)?(\d{{2}}|\d{{4}})?$")


def _month_year(part: str, original: str) -> tuple[int, int | None]:
    m = _MONTH_YEAR_RE.match(part.strip())
    if not m:
        raise ParseError(
            _('Cannot read "{text}" as months; type for example ต.ค.68-มี.ค.69 or ม.ค.69').format(text=original)
        )
    return _MONTHS[m[1].replace(" ", "")], (year_to_ce(int(m[2])) if m[2] else None)


def parse_month_range(text: str) -> MonthRange:
    """Read "ต.ค.๖๕-มี.ค.๖๖", "พ.ย.-ธ.ค.๖๕", "ม.ค.๖๖" or "ตุลาคม 2568 - กันยายน 2569"."""
    s = _normalise(text)
    parts = re.split(r"\s*(?:-|–|—|ถึง)\s*", s)
    if len(parts) == 1:
        month, year = _month_year(parts[0], text)
        if year is None:
            raise ParseError(_('Please add the year to "{text}", for example ม.ค.69').format(text=text))
        d = dt.date(year, month, 1)
        return MonthRange(d, d)
    if len(parts) != 2:
        raise ParseError(
            _('Cannot read "{text}" as months; type for example ต.ค.68-มี.ค.69 or ม.ค.69').format(text=text)
        )
    (m1, y1), (m2, y2) = _month_year(parts[0], text), _month_year(parts[1], text)
    if y2 is None:
        raise ParseError(_('Please add the year to "{text}", for example ม.ค.69').format(text=text))
    if y1 is None:
        y1 = y2 if m1 <= m2 else y2 - 1
    start, end = dt.date(y1, m1, 1), dt.date(y2, m2, 1)
    if start > end:
        raise ParseError(_('The months in "{text}" run backwards').format(text=text))
    return MonthRange(start, end)


# ---------------------------------------------------------------- shortening


def clip(text: str, width: int) -> str:
    """At most ``width`` characters, cut where Thai writes a space (a phrase boundary) if one is not too far
    back, else between character clusters — never inside one: a vowel or tone mark cut off its consonant
    misspells the word ("ไม่สามารถดำเนินการได" for "…ได้"). Clusters come from pythainlp's TCC rules, which
    need no word list (a dictionary segmenter costs ~0.7 s of CPU to load in every process)."""
    if len(text) <= width:
        return text
    from pythainlp.tokenize import subword_tokenize

    room = width - 1  # for the "…"
    space = text.rfind(" ", 0, room + 1)
    if space >= room // 2:
        return text[:space].rstrip() + "…"
    cut = 0
    for cluster in subword_tokenize(text, engine="tcc"):
        if cut + len(cluster) > room:
            break
        cut += len(cluster)
    while cut > 0 and _hangs(text[cut]):  # a mark where no cluster rule groups it (after a digit, say)
        cut -= 1
    return text[:cut].rstrip() + "…"


def _hangs(char: str) -> bool:
    """A character that belongs to the one before it: a Thai vowel or tone mark, or ะ า ำ ๅ."""

    return unicodedata.category(char) == "Mn" or char in "ะาำๅ"
