"""Every message in the code has a Thai translation, and English is complete."""

from locales.i18n import _, set_language, translations
from locales.update import extract, load


def test_every_message_has_a_thai_translation():
    catalogue = load("th")
    missing = [m for m in extract() if not (catalogue.get(m) and catalogue.get(m).string)]
    assert missing == [], f"run `python -m locales.update` and translate: {missing}"


def test_placeholders_survive_translation():
    import re

    catalogue = load("th")
    for msgid in extract():
        names = set(re.findall(r"{(\w+)}", msgid))
        assert names == set(re.findall(r"{(\w+)}", catalogue.get(msgid).string)), msgid


def test_one_vocabulary():
    """องค์กร is the organisation and หน่วยงาน a unit; คุณ throughout and no polite particles; one word for the
    simulator (เครื่องจำลอง) and for the demo (องค์กรสาธิต)."""
    import re

    catalogue = load("th")
    wrong = []
    for msgid in extract():
        text = catalogue.get(msgid).string
        if re.search(r"ครับ|ค่ะ|(?<!เ)ท่าน|โปรแกรมจำลอง|หน่วยงานตัวอย่าง", text):
            wrong.append((msgid, text))
        about_org = re.search(r"\borganisation", msgid, re.I) and "oversight organisation" not in msgid.lower()
        if about_org and "องค์กร" not in text:
            wrong.append((msgid, text))
    assert wrong == []


def test_language_switch():
    set_language("en")
    assert _("Total") == "Total"
    set_language("th")
    assert _("Total") == "รวมทั้งสิ้น"
    set_language("xx")  # unknown falls back to Thai
    assert _("Total") == "รวมทั้งสิ้น"
    assert translations("en").gettext("Round") == "Round"


def test_thai_catalogue_has_no_stray_scripts():
    """Only Thai, Latin, digits and punctuation: a slip of the keyboard layout shows up here."""
    import unicodedata

    for message in load("th"):
        for ch in message.string or "":
            name = unicodedata.name(ch, "")
            assert ord(ch) < 0x250 or name.startswith("THAI") or unicodedata.category(ch)[0] in "PSZ", (
                message.id,
                ch,
                name,
            )


def test_every_setting_is_in_env_example():
    from pathlib import Path

    from base.settings import Settings

    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")
    listed = {
        line.split("=", 1)[0].strip().lower()
        for line in example.splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert set(Settings.model_fields) == listed


def test_the_configuration_reference_is_generated_from_the_settings():
    """docs/configuration.md is made from base/settings.py's fields: one source, never edited by hand."""
    from pathlib import Path

    from base.settings import reference

    docs = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert docs == reference(), "run: python -m base.settings > docs/configuration.md"


def test_every_status_and_reason_of_the_domain_has_a_label():
    """locales/ cannot import the domain's enums (it is below them): its labels are keyed by their values."""
    from domain.vocabulary import STATUS_ORDER, CannotReason, Status
    from locales.labels import reason_label, status_label

    assert {s.value for s in Status} <= set(STATUS_ORDER)
    assert all(status_label(s) for s in STATUS_ORDER) and all(reason_label(c) for c in CannotReason)
