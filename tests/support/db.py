"""Small helpers shared by test modules."""

from sqlmodel import func, select


async def count_rows(db, model) -> int:
    async with db.session(commit=False) as s:
        return (await s.exec(select(func.count()).select_from(model))).one()
