"""The oversight tree: an oversight organisation (a province's office) oversees organisations and other oversight
organisations (province → region → nation); what lies beneath one is found by walking down, one query a level, and
no link may make an office oversee itself."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.vocabulary import OrgKind
from locales.errors import UserError
from locales.i18n import _
from storage.models import Organisation, Oversight, id_of
from storage.repo import audit

MAX_DEPTH = 8  # nation → region → province → district office … deeper is a mistake (or a cycle written by hand)


async def _beneath(session: AsyncSession, overseer_id: int) -> dict[int, OrgKind]:
    """Every organisation beneath ``overseer_id`` (not itself), with its kind: a level a query."""
    found: dict[int, OrgKind] = {}
    frontier = [overseer_id]
    for _level in range(MAX_DEPTH):
        if not frontier:
            break
        q = (
            select(Oversight.org_id, Organisation.kind)
            .join(Organisation, col(Organisation.id) == Oversight.org_id)
            .where(col(Oversight.overseer_id).in_(frontier))
        )
        frontier = []
        for org_id, kind in (await session.exec(q)).all():
            if org_id not in found and org_id != overseer_id:
                found[org_id] = OrgKind(kind)
                if kind == OrgKind.OVERSIGHT:
                    frontier.append(org_id)
    return found


async def overseen_ids(session: AsyncSession, overseer_id: int) -> list[int]:
    """The organisations (not offices) anywhere beneath this oversight organisation: what its roll-ups count."""
    return sorted(i for i, kind in (await _beneath(session, overseer_id)).items() if kind != OrgKind.OVERSIGHT)


async def offices_beneath(session: AsyncSession, overseer_id: int) -> list[int]:
    """The oversight organisations beneath this one (a region's provinces, a nation's regions and provinces)."""
    return sorted(i for i, kind in (await _beneath(session, overseer_id)).items() if kind == OrgKind.OVERSIGHT)


async def overseen(session: AsyncSession, overseer_id: int) -> list[Organisation]:
    """The organisations and offices directly beneath this one."""
    q = (
        select(Organisation)
        .join(Oversight, col(Oversight.org_id) == Organisation.id)
        .where(Oversight.overseer_id == overseer_id)
        .order_by(col(Organisation.id))
    )
    return list((await session.exec(q)).all())


async def oversee(session: AsyncSession, overseer: Organisation, orgs: Sequence[Organisation], actor: str) -> int:
    """Put these organisations (or offices) directly beneath the overseer (those already there are left); refused
    when an office would end up beneath itself. Returns how many were added."""
    if overseer.kind != OrgKind.OVERSIGHT:
        raise UserError(_("{name} is not an oversight organisation.").format(name=overseer.name))
    have = {id_of(o) for o in await overseen(session, id_of(overseer))}
    added = [o for o in orgs if id_of(o) not in have]
    for o in added:
        if o.id == overseer.id or (
            o.kind == OrgKind.OVERSIGHT and id_of(overseer) in await _beneath(session, id_of(o))
        ):
            raise UserError(
                _("{office} cannot oversee {name}: {name} already oversees it (directly or further up).").format(
                    office=overseer.name, name=o.name
                )
            )
        session.add(Oversight(overseer_id=id_of(overseer), org_id=id_of(o)))
        await session.flush()
        await audit(session, id_of(overseer), actor, "oversee", "organisation", o.id, new={"name": o.name})
    return len(added)


async def stop_overseeing(session: AsyncSession, overseer: Organisation, org: Organisation, actor: str) -> bool:
    """Take ``org`` from directly beneath the overseer; False when it was not there."""
    result = await session.exec(
        delete(Oversight).where(col(Oversight.overseer_id) == overseer.id, col(Oversight.org_id) == org.id)
    )
    if not result.rowcount:
        return False
    await audit(session, id_of(overseer), actor, "stop_overseeing", "organisation", org.id, old={"name": org.name})
    return True


async def tree(session: AsyncSession, overseer: Organisation) -> list[tuple[int, Organisation]]:
    """The tree beneath the overseer, depth first: (depth, organisation), depth 1 directly beneath."""
    out: list[tuple[int, Organisation]] = []
    seen = {id_of(overseer)}

    async def walk(office_id: int, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        for o in await overseen(session, office_id):
            if id_of(o) in seen:
                continue
            seen.add(id_of(o))
            out.append((depth, o))
            if o.kind == OrgKind.OVERSIGHT:
                await walk(id_of(o), depth + 1)

    await walk(id_of(overseer), 1)
    return out
