"""The public pages for ITA (``/p/<slug>/…``): read-only, no JavaScript, no cookie; 404 for an organisation
that is not live and for anything it has not published. Pages and files carry ETag and Last-Modified and answer
a conditional GET with 304."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from bot.web.services import services
from locales.i18n import _, set_language
from reports.public import CSS, DATA_FILES, PLAN_FILES, ROUND_DATA, ROUND_FILES, PublicSite
from storage.publication import live_site

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cache-Control": "public, max-age=300",
}


def routes() -> list[Route]:
    return [
        Route("/p/static/public.css", stylesheet),
        Route("/p/static/{font:str}.ttf", font),
        Route("/p/{slug}/", org_page),
        Route("/p/{slug}/{year:int}/", year_page),
        Route("/p/{slug}/{year:int}/{name}", plan_file),
        Route("/p/{slug}/{year:int}/{months:int}/", round_page),
        Route("/p/{slug}/{year:int}/{months:int}/{name}", round_file),
    ]


def _sane(request: Request) -> bool:
    """A fiscal year and a round as they can be (B.E. 2500–2999, 6 or 12): anything else is not a page."""
    p = request.path_params
    return 2500 <= p.get("year", 2569) <= 2999 and p.get("months", 6) in (6, 12)


def _not_modified(request: Request, etag: str, modified: dt.datetime) -> bool:
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return True
    since = request.headers.get("if-modified-since")
    if since and "if-none-match" not in request.headers:
        try:
            return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _cached(request: Request, body: bytes | None, path: Path | None, modified: dt.datetime, media: str) -> Response:
    digest = hashlib.sha256(body if body is not None else f"{path}:{path.stat().st_mtime_ns}".encode()).hexdigest()
    etag = f'"{digest[:32]}"'
    headers = {
        **HEADERS,
        "ETag": etag,
        "Last-Modified": format_datetime(modified.astimezone(dt.UTC), usegmt=True),
    }
    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    if body is not None:
        return Response(body, media_type=media, headers=headers)
    assert path is not None
    return FileResponse(
        path,
        media_type=media,
        headers=headers,
        filename=path.name.rsplit("-", 1)[-1] if "-" in path.name else path.name,
        content_disposition_type="inline",
    )


def _missing() -> Response:
    text = html.escape(_("This page does not exist, or is not published."))
    return HTMLResponse(f'<!doctype html><html lang="th"><title>404</title><p>{text}</p></html>', 404, headers=HEADERS)


async def stylesheet(request: Request) -> Response:
    stat = CSS.stat()
    return _cached(request, CSS.read_bytes(), None, dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC), "text/css")


def font_files() -> dict[str, Path]:
    """Sarabun for the public pages: a reader whose device has no Thai font still reads Thai (OFL, shipped)."""
    import fontpkg_sarabun

    files = fontpkg_sarabun.ROOT / "files"
    return {"sarabun.ttf": files / "Sarabun-Regular.ttf", "sarabun-bold.ttf": files / "Sarabun-Bold.ttf"}


async def font(request: Request) -> Response:
    path = font_files().get(request.path_params["font"] + ".ttf")
    if path is None:
        return Response(status_code=404)
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return _cached(request, None, path, modified, "font/ttf")


async def org_page(request: Request) -> Response:
    set_language("th")
    svc = services(request)
    async with svc.db.session() as s:
        site = await live_site(s, request.path_params["slug"])
        if site is None:
            return _missing()
        page = await PublicSite(s, svc.settings, site).org_page()
    return _cached(request, page.html.encode(), None, page.modified, "text/html; charset=utf-8")


async def year_page(request: Request) -> Response:
    if not _sane(request):
        return _missing()
    set_language("th")
    svc = services(request)
    async with svc.db.session(commit=False) as s:
        site = await live_site(s, request.path_params["slug"])
        page = await PublicSite(s, svc.settings, site).year_page(request.path_params["year"]) if site else None
    if page is None:
        return _missing()
    return _cached(request, page.html.encode(), None, page.modified, "text/html; charset=utf-8")


async def plan_file(request: Request) -> Response:
    if not _sane(request):
        return _missing()
    set_language("th")
    svc, name = services(request), request.path_params["name"]
    if name in DATA_FILES:
        async with svc.db.session(commit=False) as s:
            site = await live_site(s, request.path_params["slug"])
            made = (
                await PublicSite(s, svc.settings, site).data_file(request.path_params["year"], name) if site else None
            )
        return _missing() if made is None else _cached(request, made[0], None, made[1], DATA_FILES[name])
    if name not in PLAN_FILES:
        return _missing()
    async with svc.db.session(commit=False) as s:
        site = await live_site(s, request.path_params["slug"])
        path = await PublicSite(s, svc.settings, site).plan_file(request.path_params["year"], name) if site else None
    if path is None:
        return _missing()
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return _cached(request, None, path, modified, PLAN_FILES[name])


async def round_page(request: Request) -> Response:
    if not _sane(request):
        return _missing()
    set_language("th")
    svc, p = services(request), request.path_params
    async with svc.db.session() as s:  # writes only when it freezes a closed round the first time it is shown
        site = await live_site(s, p["slug"])
        page = await PublicSite(s, svc.settings, site).round_page(p["year"], p["months"]) if site else None
    if page is None:
        return _missing()
    return _cached(request, page.html.encode(), None, page.modified, "text/html; charset=utf-8")


async def round_file(request: Request) -> Response:
    if not _sane(request):
        return _missing()
    set_language("th")
    svc, p = services(request), request.path_params
    if p["name"] in ROUND_DATA:
        async with svc.db.session(commit=False) as s:
            site = await live_site(s, p["slug"])
            made = (
                await PublicSite(s, svc.settings, site).round_data(p["year"], p["months"], p["name"]) if site else None
            )
        return _missing() if made is None else _cached(request, made[0], None, made[1], ROUND_DATA[p["name"]])
    if p["name"] not in ROUND_FILES:
        return _missing()
    async with svc.db.session() as s:
        site = await live_site(s, p["slug"])
        found = await PublicSite(s, svc.settings, site).round_file(p["year"], p["months"], p["name"]) if site else None
    if found is None:
        return _missing()
    path, published = found
    return _cached(request, None, path, published, ROUND_FILES[p["name"]])
