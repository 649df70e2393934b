"""The screening of typed text before it is published (domain.privacy): what a person must never find in a public
document is masked, and what is public (a news link, an amount, a date, a document number) is kept as typed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.privacy import Screen, is_private_link, national_id_valid
from locales.i18n import set_language


def setup_module() -> None:
    set_language("th")


def masked(text: str, names: list[str] | None = None) -> tuple[str, dict[str, int]]:
    done = Screen(names or []).text(text)
    return done.text, dict(done.masked)


def test_phones_in_the_ways_people_type_them():
    for phone in ("081-234-5678", "0812345678", "081 234 5678", "02-123-4567", "+66 81 234 5678", "๐๘๑-๒๓๔-๕๖๗๘"):
        text, found = masked(f"ติดต่อ {phone} ได้")
        assert phone not in text and found == {"phone": 1}, phone


def test_numbers_that_are_not_phones_are_kept():
    for kept in ("30,000.00 บาท", "15/1/2566", "ขก 0023.4/123", "ร้อยละ 80", "2569", "1,048,500.50"):
        assert masked(kept) == (kept, {}), kept


def test_a_national_id_only_with_its_check_digit():
    assert national_id_valid("1101700207366") and national_id_valid("1-1017-00207-36-6")
    assert not national_id_valid("1101700207367")
    text, found = masked("เลขบัตร 1-1017-00207-36-6 และ 1101700207367")
    assert "00207" not in text.split("และ")[0] and found == {"id": 1} and "1101700207367" in text


def test_e_mail_and_registered_names_even_inside_a_sentence():
    text, found = masked("ส่งให้สมศรีทาง somsri.l@gmail.com แล้ว นายสมชาย ใจดีรับทราบ", ["นางสาวสมศรี ลับมาก", "นายสมชาย ใจดี"])
    assert "สมศรี" not in text and "สมชาย" not in text and "gmail" not in text
    assert found == {"email": 1, "name": 2}


def test_private_storage_links_are_left_out_and_public_links_kept_as_typed():
    assert is_private_link("https://drive.google.com/drive/folders/abc") and is_private_link("1drv.ms/f/s!x")
    assert not is_private_link("https://www.example.go.th/news/123")
    text, found = masked("รูป https://drive.google.com/file/d/1/view ข่าว https://www.example.go.th/news/123.")
    assert "drive.google" not in text and "https://www.example.go.th/news/123." in text and found == {"link": 1}
    screen = Screen([], public_links=frozenset({"https://drive.google.com/file/d/1/view"}))
    assert screen.link("https://drive.google.com/file/d/1/view") == "https://drive.google.com/file/d/1/view"
    assert Screen([]).link("https://drive.google.com/file/d/1/view") is None


@given(st.text(max_size=200))
def test_screening_never_fails_and_is_stable(text):
    once = Screen(["สมศรี ลับมาก"]).text(text).text
    assert Screen(["สมศรี ลับมาก"]).text(once).text == once
