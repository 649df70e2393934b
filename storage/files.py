"""Short-lived, unguessable download links: how a LINE user gets a document or an evidence file."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.settings import Settings
from base.values import utcnow
from storage.models import DownloadLink
from storage.people import account_of, group_chat


async def link_for(
    session: AsyncSession,
    settings: Settings,
    path: Path,
    filename: str,
    *,
    platform: str,
    external_id: str,
    org_id: int | None = None,
) -> str:
    """A URL that serves ``path`` once, to the person on ``platform`` who asked, for DOWNLOAD_LINK_HOURS."""
    account = await account_of(session, platform, external_id) if external_id else None
    if account is None and org_id is None and external_id:  # a group chat: the organisation it belongs to
        group = await group_chat(session, platform, external_id)
        org_id = group.org_id if group else None
    if account is None and org_id is None:
        raise ValueError("a download link needs the person or the group it is for")
    data_dir = settings.data_dir.resolve()
    rel = path.resolve().relative_to(data_dir).as_posix()  # noqa: ASYNC240 - one path resolved, microseconds
    link = DownloadLink(
        org_id=account.org_id if account else org_id,
        person_id=account.person_id if account else None,
        token=secrets.token_urlsafe(32),
        path=rel,
        filename=filename[:200],
        expires_at=utcnow() + dt.timedelta(hours=settings.download_link_hours),
    )
    session.add(link)
    await session.flush()
    base = settings.web_base_url
    return f"{base}/files/{link.token}"


async def redeem(
    session: AsyncSession, settings: Settings, token: str, *, spend: bool = True
) -> tuple[Path, str] | None:
    """The file behind a link: None when unknown, expired or used already. ``spend``: use the link up, in one
    conditional UPDATE, so that of any number of concurrent requests exactly one gets the file."""

    now = utcnow()
    link = (await session.exec(select(DownloadLink).where(DownloadLink.token == token))).first()
    if link is None or link.used_at is not None or link.expires_at < now:
        return None
    path = (settings.data_dir / link.path).resolve()
    if not path.is_relative_to(settings.data_dir.resolve()) or not path.is_file():
        return None
    if spend:
        taken = await session.exec(
            update(DownloadLink).where(DownloadLink.id == link.id, DownloadLink.used_at.is_(None)).values(used_at=now)
        )
        if taken.rowcount != 1:
            return None
    return path, link.filename
