"""What the admin chose for the public documents: the public wording of one answer's typed field, and the links
marked public though their host is private storage. The answers themselves are never changed; every choice is
audited."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import utcnow, without_control_characters
from domain.privacy import URL_RE
from locales.errors import UserError
from locales.i18n import _
from storage.models import PlanItem, PublicLink, PublicWording, Round, Unit
from storage.repo import audit

FIELDS = ("result", "reason", "months")  # the typed fields an answer shows in the documents
TEXT_MAX = 4000  # as the answer's own columns
URL_MAX = 2000


def wording_text(text: str) -> str:
    text = without_control_characters(text).strip()
    if len(text) > TEXT_MAX:
        raise UserError(
            _("The text is too long ({n} characters); the limit is {limit}.").format(n=len(text), limit=TEXT_MAX)
        )
    return text


def link_url(text: str) -> str:
    url = text.strip()
    if len(url) > URL_MAX or not URL_RE.fullmatch(url):
        raise UserError(_("Give one link as typed in the answer, e.g. https://drive.google.com/…"))
    return url


async def answer_of(session: AsyncSession, rnd: Round, code: str, unit_name: str) -> tuple[PlanItem, Unit]:
    """The item (by its code) and the owning unit (by its name) of one answer in ``rnd``'s year."""
    item = (
        await session.exec(
            select(PlanItem).where(
                PlanItem.org_id == rnd.org_id, PlanItem.fiscal_year_id == rnd.fiscal_year_id, PlanItem.code == code
            )
        )
    ).first()
    if item is None:
        raise UserError(_("No item {code} in this fiscal year's plan.").format(code=code[:40]))
    unit = (await session.exec(select(Unit).where(Unit.org_id == rnd.org_id, Unit.name == unit_name.strip()))).first()
    if unit is None:
        raise UserError(_("No unit named {name}.").format(name=unit_name[:60]))
    return item, unit


async def set_wording(
    session: AsyncSession, rnd: Round, code: str, unit_name: str, field: str, text: str | None, actor: str
) -> None:
    """``text``: the public wording ("" hides the field); None: back to what the unit typed (screened)."""
    if field not in FIELDS:
        raise UserError(_("The field is one of: {fields}").format(fields=", ".join(FIELDS)))
    item, unit = await answer_of(session, rnd, code, unit_name)
    row = (
        await session.exec(
            select(PublicWording).where(
                PublicWording.round_id == rnd.id,
                PublicWording.item_id == item.id,
                PublicWording.unit_id == unit.id,
                PublicWording.field == field,
            )
        )
    ).first()
    old = None if row is None else row.text
    if text is None:
        if row is not None:
            await session.delete(row)
    else:
        row = row or PublicWording(org_id=rnd.org_id, round_id=rnd.id, item_id=item.id, unit_id=unit.id, field=field)
        row.text, row.set_by, row.set_at = wording_text(text), actor, utcnow()
        session.add(row)
    await audit(
        session,
        rnd.org_id,
        actor,
        "update",
        "public_wording",
        item.id,
        old={"unit": unit.name, "field": field, "text": old},
        new={"unit": unit.name, "field": field, "text": None if text is None else wording_text(text)},
    )


async def wordings(session: AsyncSession, org_id: int, round_id: int) -> dict[tuple[int, int, str], str]:
    """(item, unit, field) → the public wording, for one round."""
    rows = await session.exec(
        select(PublicWording).where(PublicWording.org_id == org_id, PublicWording.round_id == round_id)
    )
    return {(w.item_id, w.unit_id, w.field): w.text for w in rows}


async def wording_list(session: AsyncSession, org_id: int, round_id: int) -> list[tuple[str, str, str, str]]:
    """(item code, unit, field, wording) of one round, for the admin to review."""
    rows = await session.exec(
        select(PlanItem.code, Unit.name, PublicWording.field, PublicWording.text)
        .join(PlanItem, col(PlanItem.id) == PublicWording.item_id)
        .join(Unit, col(Unit.id) == PublicWording.unit_id)
        .where(PublicWording.org_id == org_id, PublicWording.round_id == round_id)
        .order_by(col(PlanItem.code), col(Unit.name), col(PublicWording.field))
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def mark_link(session: AsyncSession, org_id: int, url: str, public: bool, actor: str) -> bool:
    """Mark a link public (or private again); False when it already was."""
    url = link_url(url)
    row = (await session.exec(select(PublicLink).where(PublicLink.org_id == org_id, PublicLink.url == url))).first()
    if (row is not None) == public:
        return False
    if public:
        session.add(PublicLink(org_id=org_id, url=url, marked_by=actor))
    else:
        await session.delete(row)
    await audit(
        session,
        org_id,
        actor,
        "update",
        "public_link",
        None,
        old={"url": url, "public": not public},
        new={"url": url, "public": public},
    )
    return True


async def public_links(session: AsyncSession, org_id: int) -> frozenset[str]:
    return frozenset((await session.exec(select(PublicLink.url).where(PublicLink.org_id == org_id))).all())
