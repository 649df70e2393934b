"""data.go.th's dataset metadata (the Thai government data catalogue, CKAN with the GDC extension): the fields a
dataset must carry, the values its choice fields allow, and what is wrong with one — pure, so the public pages, the
export and the tests check a dataset alike; and the bound on the contact e-mail an organisation gives for it."""

from __future__ import annotations

import re
from typing import Any

from locales.errors import UserError
from locales.i18n import _

# required by the catalogue's dataset form (ckanext-thai_gdc ckan_dataset.json, for every data type)
REQUIRED = (
    "data_type", "title", "name", "owner_org", "maintainer", "maintainer_email", "tag_string", "notes", "objective",
    "update_frequency_unit", "geo_coverage", "data_source", "data_format", "data_category", "license_id",
)  # fmt: skip
RESOURCE_REQUIRED = ("name", "url", "format")
# the allowed values of the choice fields a Tidtam dataset fills (a subset of each field's list)
CHOICES: dict[str, frozenset[str]] = {
    "data_type": frozenset({"ข้อมูลระเบียน", "ข้อมูลสถิติ", "ข้อมูลภูมิสารสนเทศเชิงพื้นที่", "ข้อมูลหลากหลายประเภท", "ข้อมูลประเภทอื่นๆ"}),
    "objective": frozenset({"กฎหมายที่เกี่ยวข้อง", "พันธกิจหน่วยงาน", "เพื่อการให้บริการประชาชน", "มติคณะรัฐมนตรี", "อื่นๆ"}),
    "update_frequency_unit": frozenset({"ปี", "ครึ่งปี", "ไตรมาส", "เดือน", "ไม่ทราบ", "อื่นๆ"}),
    "geo_coverage": frozenset({"ประเทศ", "ภาค", "จังหวัด", "อำเภอ", "ตำบล", "เทศบาล/อบต.", "อื่นๆ"}),
    "data_format": frozenset({"CSV", "XLS", "PDF", "JSON", "HTML", "อื่นๆ"}),
    "data_category": frozenset({"ข้อมูลสาธารณะ", "ข้อมูลส่วนบุคคล", "ข้อมูลความมั่นคง", "ข้อมูลความลับทางราชการ"}),
    "license_id": frozenset({"Creative Commons Attributions", "Open Data Common", "License not specified"}),
    "data_language": frozenset({"ไทย", "อังกฤษ"}),
}  # fmt: skip
NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")  # CKAN's dataset name (its URL)
EMAIL_MAX = 200
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


def problems(dataset: dict[str, Any]) -> list[str]:
    """What keeps a dataset from the catalogue: a required field empty, a choice not allowed, a malformed name, a
    resource without its name, address or format (empty: none)."""
    out = []
    for field in REQUIRED:
        value = dataset.get(field)
        if value in (None, "", []):
            out.append(f"{field}: required")
    for field, allowed in CHOICES.items():
        value = dataset.get(field)
        for v in value if isinstance(value, list) else [value] if value else []:
            if v not in allowed:
                out.append(f"{field}: {v!r} is not one of the catalogue's values")
    if dataset.get("name") and not NAME_RE.match(dataset["name"]):
        out.append("name: 2–100 of a–z, 0–9, - and _")
    if not dataset.get("resources"):
        out.append("resources: at least one")
    for i, resource in enumerate(dataset.get("resources") or []):
        out += [f"resources[{i}].{f}: required" for f in RESOURCE_REQUIRED if not resource.get(f)]
    return out


def contact_email(text: str) -> str:
    """An office's e-mail address for the open data, as typed; one Thai refusal when it is not one."""
    email = text.strip()
    if len(email) > EMAIL_MAX or not EMAIL_RE.match(email):
        raise UserError(
            _("Give an e-mail address such as saraban@kokchan.go.th (at most {n} characters).").format(n=EMAIL_MAX)
        )
    return email.lower()
