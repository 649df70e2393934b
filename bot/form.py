"""The answer form's web routes: the page, and its API for the person holding a form pass.

Who is asking is proved by one of: a one-time link from the bot (spent when the page opens), Telegram's Mini
App ``initData`` (HMAC-SHA-256 with a key derived from the bot token, as Telegram's Mini App documentation
specifies; at most an hour old), or — later — a LINE LIFF ID token. Each gives the page a session token it sends
in the ``Authorization`` header: no cookie, so no other site can make a browser act with it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.services import read_limited, services
from handlers.form import FormRefused, load, save_draft, submit
from locales.i18n import _, set_language
from storage.form_passes import Holder, holder_of, issue, spend_link
from storage.people import account_of

STATIC = Path(__file__).parent / "static"
MAX_BODY = 256 * 1024
INIT_DATA_MAX_AGE = 3600
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'self' https://web.telegram.org",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def telegram_user_id(init_data: str, bot_token: str, now: float | None = None) -> str | None:
    """The Telegram user id ``initData`` vouches for, or None when it is forged, altered or over an hour old."""
    if not init_data or not bot_token or len(init_data) > 8192:
        return None
    fields = dict(parse_qsl(init_data, keep_blank_values=True))
    given = fields.pop("hash", "")
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    if not given or not hmac.compare_digest(given, expected):
        return None
    try:
        age = (now if now is not None else time.time()) - int(fields.get("auth_date", "0"))
        user = json.loads(fields.get("user", "{}"))
    except ValueError:
        return None
    if not 0 <= age <= INIT_DATA_MAX_AGE or not isinstance(user, dict) or not isinstance(user.get("id"), int):
        return None
    return str(user["id"])


def routes() -> list[Route]:
    return [
        Route("/form/", page),
        Route("/form/static/{name}", static),
        Route("/form/api/session", open_session, methods=["POST"]),
        Route("/form/api/items", items),
        Route("/form/api/draft", draft, methods=["PUT"]),
        Route("/form/api/submit", send, methods=["POST"]),
    ]


async def page(_request: Request) -> Response:
    set_language("th")
    return HTMLResponse((STATIC / "form.html").read_text(encoding="utf-8"), headers=PAGE_HEADERS)


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ("form.js", "form.css"):
        return Response(status_code=404)
    return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})


def _refuse(message: str, status: int) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status)


async def _body(request: Request) -> dict | None:
    """A JSON object of bounded size, sent as JSON (a plain HTML form from another site cannot be)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return None
    body = await read_limited(request, MAX_BODY)
    try:
        data = json.loads(body) if body is not None else None
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


async def _caller(request: Request) -> tuple[Holder, dict] | Response:
    """Who is asking (their session) and what they sent, or the refusal to answer with."""
    holder, body = await _holder(request), await _body(request)
    if holder is None:
        return _refuse(_("This page has expired. Open it again from the chat."), 401)
    if body is None:
        return _refuse(_("This request is not valid."), 400)
    return holder, body


async def open_session(request: Request) -> Response:
    set_language("th")
    body = await _body(request)
    if body is None:
        return _refuse(_("This request is not valid."), 400)
    svc = services(request)
    async with svc.db.session() as s:
        holder = None
        if isinstance(body.get("link"), str):
            holder = await spend_link(s, body["link"])
        elif isinstance(body.get("telegram"), str):
            user_id = telegram_user_id(body["telegram"], svc.settings.telegram_bot_token)
            account = await account_of(s, "telegram", user_id) if user_id else None
            holder = Holder(account.org_id, account.person_id) if account else None
        if holder is None:
            return _refuse(_("This page has expired. Open it again from the chat."), 403)
        token = await issue(s, holder.org_id, holder.person_id, "session")
    return JSONResponse({"ok": True, "session": token})


async def _holder(request: Request) -> Holder | None:
    auth = request.headers.get("authorization", "")
    if not auth.startswith("Bearer "):
        return None
    async with services(request).db.session(commit=False) as s:
        return await holder_of(s, auth[7:].strip())


async def items(request: Request) -> Response:
    set_language("th")
    holder = await _holder(request)
    if holder is None:
        return _refuse(_("This page has expired. Open it again from the chat."), 401)
    try:
        async with services(request).db.session(commit=False) as s:
            return JSONResponse({"ok": True, **await load(s, holder)})
    except FormRefused as e:
        return _refuse(str(e), 409)


async def draft(request: Request) -> Response:
    set_language("th")
    caller = await _caller(request)
    if isinstance(caller, Response):
        return caller
    holder, body = caller
    try:
        async with services(request).db.session() as s:
            if not await save_draft(s, holder, body):
                return _refuse(_("This item is not one of your unit's items."), 403)
    except FormRefused as e:
        return _refuse(str(e), 409)
    return JSONResponse({"ok": True})


async def send(request: Request) -> Response:
    set_language("th")
    caller = await _caller(request)
    if isinstance(caller, Response):
        return caller
    holder, body = caller
    try:
        async with services(request).db.session() as s:
            result = await submit(s, holder, body, "web")
            if not result["ok"]:  # nothing was written: every entry is checked before any is saved
                return JSONResponse(result, status_code=422)
    except FormRefused as e:
        return _refuse(str(e), 409)
    return JSONResponse(result)
