"""Which organisations an oversight organisation (a provincial office) rolls up."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Organisation, Oversight
from storage.repo import audit


async def overseen_ids(session: AsyncSession, overseer_id: int) -> list[int]:
    q = select(Oversight.org_id).where(Oversight.overseer_id == overseer_id).order_by(col(Oversight.org_id))
    return list((await session.exec(q)).all())


async def overseen(session: AsyncSession, overseer_id: int) -> list[Organisation]:
    q = (
        select(Organisation)
        .join(Oversight, col(Oversight.org_id) == Organisation.id)
        .where(Oversight.overseer_id == overseer_id)
        .order_by(col(Organisation.id))
    )
    return list((await session.exec(q)).all())


async def oversee(session: AsyncSession, overseer: Organisation, orgs: Sequence[Organisation], actor: str) -> int:
    """Add these organisations to the overseer's list (those already on it are left); how many were added."""
    have = set(await overseen_ids(session, overseer.id))
    added = [o for o in orgs if o.id not in have]
    for o in added:
        session.add(Oversight(overseer_id=overseer.id, org_id=o.id))
        await audit(session, overseer.id, actor, "oversee", "organisation", o.id, new={"name": o.name})
    return len(added)
