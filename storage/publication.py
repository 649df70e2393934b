"""What an organisation publishes for ITA: its public address (slug), whether the page is live, the contact its open
datasets name, and the rounds whose documents are public. Only a live organisation has a page; a round is public only
once an admin publishes it (closing it does not); nothing else of the organisation is ever read through here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import utcnow
from domain.opendata import contact_email
from locales.errors import UserError
from locales.i18n import _
from storage.models import FiscalYear, Organisation, PlanItem, Publication, PublishedRound, Round
from storage.oversight import overseen_ids
from storage.repo import audit

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


def check_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise UserError(
            _(
                "The public address must be 1–60 letters a–z, digits or hyphens, such as kokchan-municipality "
                "(got {slug})"
            ).format(slug=slug[:70])
        )
    return slug


async def publication_of(session: AsyncSession, org_id: int) -> Publication | None:
    return (await session.exec(select(Publication).where(Publication.org_id == org_id))).first()


async def set_slug(session: AsyncSession, org_id: int, slug: str, actor: str) -> Publication:
    """Give the organisation its public address; an address once given to another organisation is refused."""
    slug = check_slug(slug)
    taken = (await session.exec(select(Publication).where(Publication.slug == slug))).first()
    if taken is not None and taken.org_id != org_id:
        raise UserError(_("The public address {slug} belongs to another organisation.").format(slug=slug))
    pub = await publication_of(session, org_id) or Publication(org_id=org_id, slug=slug)
    if pub.slug != slug:
        await audit(
            session, org_id, actor, "publication.slug", "publication", pub.id, {"slug": pub.slug}, {"slug": slug}
        )
    pub.slug, pub.changed_at = slug, utcnow()
    session.add(pub)
    await session.flush()
    return pub


async def set_contact(session: AsyncSession, org_id: int, email: str, actor: str) -> Publication:
    """The e-mail address the organisation's open datasets name as their maintainer (an office's, checked by
    ``domain.opendata.contact_email``); audited with what it replaced."""
    pub = await publication_of(session, org_id)
    if pub is None:
        raise UserError(_("Give the public page an address first, e.g. tidtam publish on --slug kokchan"))
    email = contact_email(email)
    await audit(
        session,
        org_id,
        actor,
        "publication.contact",
        "publication",
        pub.id,
        {"email": pub.contact_email},
        {"email": email},
    )
    pub.contact_email = email
    session.add(pub)
    return pub


async def set_live(session: AsyncSession, org_id: int, live: bool, actor: str, slug: str | None = None) -> Publication:
    pub = await set_slug(session, org_id, slug, actor) if slug else await publication_of(session, org_id)
    if pub is None:
        raise UserError(_("Give the public page an address first, e.g. tidtam publish on --slug kokchan"))
    await audit(session, org_id, actor, "publication.live", "publication", pub.id, {"live": pub.live}, {"live": live})
    pub.live, pub.changed_at = live, utcnow()
    session.add(pub)
    return pub


@dataclass(frozen=True)
class Site:
    org: Organisation
    publication: Publication


async def live_site(session: AsyncSession, slug: str) -> Site | None:
    """The live organisation at this address, or None (unknown, or turned off)."""
    if not SLUG_RE.match(slug):
        return None
    row = (
        await session.exec(
            select(Publication, Organisation)
            .join(Organisation, col(Organisation.id) == Publication.org_id)
            .where(Publication.slug == slug, col(Publication.live))
        )
    ).first()
    return Site(row[1], row[0]) if row else None


@dataclass(frozen=True)
class PublicRound:
    fiscal_year: FiscalYear
    round: Round
    published: PublishedRound


async def overseen_live_slugs(session: AsyncSession, overseer_id: int) -> list[str]:
    """The public pages, live now, of the organisations anywhere beneath this one."""
    ids = await overseen_ids(session, overseer_id)
    q = select(Publication.slug).where(col(Publication.org_id).in_(ids), col(Publication.live))
    return list((await session.exec(q)).all())


async def years(session: AsyncSession, org_id: int) -> list[FiscalYear]:
    """The fiscal years that have a plan (a year with no item has nothing to publish)."""
    q = (
        select(FiscalYear)
        .where(FiscalYear.org_id == org_id, col(FiscalYear.id).in_(select(PlanItem.fiscal_year_id).distinct()))
        .order_by(col(FiscalYear.year_be).desc())
    )
    return list((await session.exec(q)).all())


async def public_rounds(session: AsyncSession, org_id: int) -> list[PublicRound]:
    """The organisation's rounds that an admin published, newest first."""
    rows = (
        await session.exec(
            select(Round, FiscalYear, PublishedRound)
            .join(FiscalYear, col(FiscalYear.id) == Round.fiscal_year_id)
            .join(PublishedRound, col(PublishedRound.round_id) == Round.id)
            .where(Round.org_id == org_id)
            .order_by(col(FiscalYear.year_be).desc(), col(Round.months).desc())
        )
    ).all()
    return [PublicRound(fy, rnd, pub) for rnd, fy, pub in rows]
