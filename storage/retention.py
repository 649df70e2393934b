"""What outlives its use is deleted: expired form passes, download links and link codes, and form drafts left
untouched too long — the statements the scheduler's housekeeping runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import DownloadLink, FormDraft, FormPass, LinkCode


async def purge_expired(session: AsyncSession, now: dt.datetime, drafts_before: dt.datetime) -> dict[str, int]:
    """Keys expired a day ago or more, and drafts last touched before ``drafts_before``: how many of each."""
    day = dt.timedelta(days=1)
    return {
        "passes": (await session.exec(delete(FormPass).where(col(FormPass.expires_at) < now - day))).rowcount,
        "links": (await session.exec(delete(DownloadLink).where(col(DownloadLink.expires_at) < now - day))).rowcount,
        "link_codes": (await session.exec(delete(LinkCode).where(col(LinkCode.expires_at) < now - day))).rowcount,
        "drafts": (await session.exec(delete(FormDraft).where(col(FormDraft.updated_at) < drafts_before))).rowcount,
    }
