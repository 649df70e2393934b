"""Button data as typed records: packed within Telegram's 64 bytes (a longer one is refused where it is made,
not by Telegram at send time), and read back only in the shape it was packed."""

from __future__ import annotations

import pytest

from handlers.protocol import BadPress, Pick, RunCommand


def test_a_press_packs_and_unpacks_and_refuses_what_it_did_not_pack():
    assert Pick.unpack(Pick(item=12, unit=3).pack().split(":", 1)[1]) == Pick(item=12, unit=3)
    for bad in ("", "12", "12:x", "1:2:3", "9" * 13 + ":1"):
        with pytest.raises(BadPress):
            Pick.unpack(bad)


def test_data_over_64_bytes_is_refused_when_made():
    assert len(RunCommand("report").pack().encode()) <= 64
    with pytest.raises(ValueError, match="64 bytes"):
        RunCommand("ก" * 30).pack()  # 90 bytes in UTF-8
