"""The send ledger's keys: one format, written and read by one type; keys already stored keep their meaning."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.outbox import OutboxKey

word = st.text(st.characters(codec="ascii", exclude_characters=":", min_codepoint=33), min_size=1, max_size=20)


@given(org=st.integers(1, 10**9), scope=st.lists(word, min_size=1, max_size=3), subject=word, platform=word, chat=word)
def test_a_key_reads_back_as_written(org, scope, subject, platform, chat):
    key = OutboxKey(org, ":".join(scope), subject, platform, chat)
    assert OutboxKey.parse(str(key)) == key
    assert str(key).startswith(OutboxKey.of_org(org))


def test_the_stored_format_is_unchanged():
    """Rows written before the type existed are still found by a plan (the tick compares strings)."""
    assert str(OutboxKey.unit_in_round(3, 7, 12, "d7", "line", "U1234")) == "o3:r7:u12:d7:line:U1234"
    assert OutboxKey.parse("o3:digest:2026-W49:telegram:-100123") == OutboxKey(
        3, "digest", "2026-W49", "telegram", "-100123"
    )
    assert OutboxKey.parse("o3:line-quota:2026-12:80:line:U1").scope == "line-quota:2026-12"


@pytest.mark.parametrize("bad", ["", "x", "o1:line:U1", "3:r1:u1:d7:line:U1", "oX:digest:w:line:U1"])
def test_a_key_of_another_shape_is_refused(bad):
    with pytest.raises(ValueError):
        OutboxKey.parse(bad)
