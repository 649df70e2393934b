"""What people call the kinds of organisation (เทศบาลตำบล, อบต., หน่วยกำกับดูแล …) and which kind a typed word means —
the same words in ``tidtam init`` and an oversight organisation's CSV of organisations."""

from __future__ import annotations

from domain.vocabulary import OrgKind
from locales.errors import UserError
from locales.i18n import _

KIND_ALIASES = {
    "เทศบาลนคร": OrgKind.CITY,
    "city": OrgKind.CITY,
    "เทศบาลเมือง": OrgKind.TOWN,
    "town": OrgKind.TOWN,
    "เทศบาลตำบล": OrgKind.SUBDISTRICT_MUNICIPALITY,
    "subdistrict": OrgKind.SUBDISTRICT_MUNICIPALITY,
    "อบต.": OrgKind.SAO,
    "อบต": OrgKind.SAO,
    "องค์การบริหารส่วนตำบล": OrgKind.SAO,
    "sao": OrgKind.SAO,
    "อบจ.": OrgKind.PAO,
    "อบจ": OrgKind.PAO,
    "องค์การบริหารส่วนจังหวัด": OrgKind.PAO,
    "pao": OrgKind.PAO,
    "เมืองพัทยา": OrgKind.PATTAYA,
    "pattaya": OrgKind.PATTAYA,
    "กรุงเทพมหานคร": OrgKind.BANGKOK,
    "กทม.": OrgKind.BANGKOK,
    "กทม": OrgKind.BANGKOK,
    "bangkok": OrgKind.BANGKOK,
    "หน่วยกำกับดูแล": OrgKind.OVERSIGHT,
    "oversight": OrgKind.OVERSIGHT,
}


def parse_kind(text: str) -> OrgKind:
    """The kind a typed word means (Thai or English, with or without the dot); one Thai refusal otherwise."""
    kind = KIND_ALIASES.get(text.strip().lower())
    if kind is None:
        raise UserError(
            _('Unknown kind "{text}"; use one of: {kinds}').format(text=text, kinds=", ".join(k.value for k in OrgKind))
        )
    return kind
