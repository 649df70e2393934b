"""Column types that keep money exact and timestamps aware on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.types import TypeDecorator

SATANG_PER_BAHT = 100


class Money(TypeDecorator):
    """Baht as ``Decimal``, stored as whole satang in a BIGINT.

    SQLite has no exact decimal type (NUMERIC becomes a float); integers are exact on
    both databases, and ``SUM`` stays exact in SQL.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        satang = Decimal(value) * SATANG_PER_BAHT
        if satang != satang.to_integral_value():
            raise ValueError(f"amount {value} has more than two decimal places")
        return int(satang)

    def process_result_value(self, value, dialect):
        return None if value is None else satang_to_baht(value)


def satang_to_baht(satang: int | None) -> Decimal:
    return (Decimal(int(satang or 0)) / SATANG_PER_BAHT).quantize(Decimal("0.01"))


class ExactDecimal(TypeDecorator):
    """A quantity (target, achieved) kept as its exact decimal text."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


class UTCDateTime(TypeDecorator):
    """Aware UTC in, aware UTC out; SQLite keeps it as naive UTC text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC timestamps only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
