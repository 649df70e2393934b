"""The overseer's page at /oversee/: opened from a one-time link the bot gives (/oversee), in Telegram as a Mini
App, or after a sign-in with LINE (which ends in such a link); each is exchanged for a session token the page sends
as a header (as the answer form does), and every call answers only for organisations beneath the caller's office
(handlers/overseer.py)."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.web.form import mini_app_holders
from bot.web.line_login import authorize_url, user_of_code, web_sign_in
from bot.web.pages import PAGE_HEADERS, STATIC, json_body, page_body, refuse, session_holder, speak
from bot.web.public import font_files
from bot.web.services import services
from handlers.overseer import NotHere, as_csv, as_xlsx, months_of, office_of, org_detail, overseer_among, view
from locales.i18n import _
from storage.form_passes import Holder, issue, link_was_used, spend_link
from storage.people import accounts_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINE_BACK = "/oversee/line/back"  # where LINE's sign-in page sends the person back (the Login channel's callback URL)
STATE_COOKIE = "tidtam_line_state"


def routes() -> list[Route]:
    return [
        Route("/oversee/", page),
        Route("/oversee/static/{name}", static),
        Route("/oversee/api/session", open_session, methods=["POST"]),
        Route("/oversee/line", line_sign_in),
        Route(LINE_BACK, line_came_back),
        Route("/oversee/api/orgs", orgs),
        Route("/oversee/api/orgs.{fmt:str}", download),
        Route("/oversee/api/org/{org_id:int}", org),
    ]


def texts() -> dict[str, str]:
    return {
        "title": _("Organisations beneath your office"),
        "loading": _("Loading…"),
        "expired": _("This page has expired. Open it again from the chat (/oversee)."),
        "offline": _("No connection. Please try again."),
        "round": _("Round"),
        "m6": _("6 months"),
        "m12": _("12 months"),
        "search": _("Search by name"),
        "state": _("Reporting"),
        "all": _("All"),
        "province": _("Province"),
        "district": _("District"),
        "kind": _("Kind"),
        "name": _("Organisation"),
        "answered": _("Answered (%)"),
        "carried_out": _("Carried out (%)"),
        "disbursed": _("Disbursed (%)"),
        "late_units": _("Late units"),
        "last_answer": _("Last answer"),
        "signoff": _("Sign-off"),
        "download": _("Download"),
        "chart": _("Organisations by reporting"),
        "shown": _("{n} of {total} organisations shown"),
        "summary": _("{office}: {n} organisations, fiscal year {year}, {months}-month round"),
        "none": _("No organisation is beneath your office yet."),
        "back": _("Back to the list"),
        "items": _("{n} items"),
        "by_status": _("Items by status"),
        "by_dimension": _("By dimension"),
        "awaiting_units": _("Units still awaiting"),
        "no_awaiting": _("Every unit has answered."),
        "sort": _("Sort by this column"),
        "line_login": _("Sign in with LINE"),
        "line_failed": _(
            "LINE could not sign you in as the staff of an oversight organisation. Type /oversee in the chat for a "
            "link."
        ),
        "by_province": _("By province"),
        "organisations": _("Organisations"),
        "show_province": _("Show this province's organisations"),
    }


async def page(request: Request) -> Response:
    body = page_body(request, "oversee.html", texts)[0]
    line = "1" if web_sign_in(services(request).settings) else ""
    return HTMLResponse(body.replace("__LINE_LOGIN__", line), headers=PAGE_HEADERS)


async def line_sign_in(request: Request) -> Response:
    """Off to LINE's sign-in page; it sends the person back to LINE_BACK with a code and the state kept here in a
    cookie for ten minutes, so that a sign-in begun in another browser (someone else's) is not taken."""
    settings = services(request).settings
    if not web_sign_in(settings):
        return Response(status_code=404)
    state = secrets.token_urlsafe(24)
    r = RedirectResponse(authorize_url(settings, state, settings.web_base_url + LINE_BACK), status_code=302)
    r.set_cookie(STATE_COOKIE, state, max_age=600, path=LINE_BACK, secure=True, httponly=True, samesite="lax")
    return r


async def line_came_back(request: Request) -> Response:
    """Back from LINE: the state checked against the cookie (once: the cookie is cleared), the code exchanged for the
    LINE user, and an overseer among their accounts given a one-time link the page spends as it does the chat's; a
    refusal is the page saying why (#e=line), with nothing issued."""
    settings = services(request).settings
    state, kept = request.query_params.get("state", ""), request.cookies.get(STATE_COOKIE, "")
    code = request.query_params.get("code", "")
    token = None
    if web_sign_in(settings) and kept and hmac.compare_digest(state.encode(), kept.encode()):
        line_id = await user_of_code(settings, code, settings.web_base_url + LINE_BACK)
        async with services(request).db.session() as s:
            holders = [Holder(a.org_id, a.person_id) for a in await accounts_of(s, "line", line_id)] if line_id else []
            if overseer := await overseer_among(s, holders):
                token = await issue(s, overseer.org_id, overseer.person_id, "link")
    r = RedirectResponse("/oversee/#" + (f"t={token}" if token else "e=line"), status_code=302)
    r.delete_cookie(STATE_COOKIE, path=LINE_BACK, secure=True, httponly=True, samesite="lax")
    r.headers["Cache-Control"] = "no-store"
    r.headers["Referrer-Policy"] = "no-referrer"
    return r


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name in font_files():
        return FileResponse(font_files()[name], media_type="font/ttf", headers={"Cache-Control": "max-age=86400"})
    if name not in ("oversee.js", "oversee.css"):
        return Response(status_code=404)
    return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})


async def open_session(request: Request) -> Response:
    """The one-time link spent for a session, or Telegram's Mini App proof of who opened the page (the bot's /oversee
    button) — only an overseer's (anyone else's opens nothing here)."""
    speak(request)
    body = await json_body(request)
    if body is None or not (isinstance(body.get("link"), str) or isinstance(body.get("telegram"), str)):
        return refuse(_("This request is not valid."), 400)
    async with services(request).db.session() as s:
        if isinstance(body.get("telegram"), str):  # of the organisations they joined, the office they oversee
            holders = await mini_app_holders(request, s, body)
            if not holders:
                return refuse(_("This page has expired. Open it again from the chat (/oversee)."), 403)
            holder = await overseer_among(s, holders) or holders[0]  # none: refused below, as a unit member
        else:
            spent = await spend_link(s, body["link"])
            if spent is None:
                used = await link_was_used(s, body["link"])
                return refuse(
                    _("This link has been used already. Type /oversee in the chat for a new one.")
                    if used
                    else _("This page has expired. Open it again from the chat (/oversee)."),
                    403,
                )
            holder = spent
        try:
            await office_of(s, holder)
        except NotHere as e:
            return refuse(str(e), 403)
        token = await issue(s, holder.org_id, holder.person_id, "session")
    return JSONResponse({"ok": True, "session": token})


async def _holder(request: Request) -> Holder | Response:
    """The session's holder, in the page's language; or the refusal that says the page has expired."""
    speak(request)
    holder = await session_holder(request)
    return (
        holder
        if holder is not None
        else refuse(_("This page has expired. Open it again from the chat (/oversee)."), 401)
    )


async def _data(request: Request) -> dict | Response:
    holder = await _holder(request)
    if isinstance(holder, Response):
        return holder
    svc = services(request)
    try:
        async with svc.db.session(commit=False) as s:
            return await view(s, svc.settings, holder, months_of(request.query_params.get("months")))
    except NotHere as e:
        return refuse(str(e), 403)


async def orgs(request: Request) -> Response:
    data = await _data(request)
    return data if isinstance(data, Response) else JSONResponse({"ok": True, **data})


async def download(request: Request) -> Response:
    fmt = request.path_params["fmt"]
    if fmt not in ("csv", "xlsx"):
        return Response(status_code=404)
    data = await _data(request)
    if isinstance(data, Response):
        return data
    name = f"tidtam-{data['year'] or ''}-round{data['months']}-organisations.{fmt}"
    content, media = (as_csv(data), "text/csv; charset=utf-8") if fmt == "csv" else (as_xlsx(data), XLSX)
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


async def org(request: Request) -> Response:
    holder = await _holder(request)
    if isinstance(holder, Response):
        return holder
    svc = services(request)
    try:
        async with svc.db.session(commit=False) as s:
            detail = await org_detail(
                s, svc.settings, holder, request.path_params["org_id"], months_of(request.query_params.get("months"))
            )
    except NotHere as e:
        return refuse(str(e), 404)
    return JSONResponse({"ok": True, **detail})
