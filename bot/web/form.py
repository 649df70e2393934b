"""The answer form's web routes: the page, and its API for the person holding a form pass.

Who is asking is proved by one of: a one-time link from the bot (spent when the page opens), Telegram's Mini
App ``initData`` (HMAC-SHA-256 with a key derived from the bot token, as Telegram's Mini App documentation
specifies; at most an hour old), or a LINE LIFF ID token (checked by LINE Login's verify endpoint). Each gives the
page a session token it sends in the ``Authorization`` header: no cookie, so no other site can make a browser act
with it. The page's words come from the catalogues, in the language asked (``?lang=``; the page switches to the
person's own once it knows who they are).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import time
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.web.line_login import line_user_id
from bot.web.pages import PAGE_HEADERS, STATIC, json_body, page_body, refuse, session_holder, speak
from bot.web.public import font_files
from bot.web.services import read_limited, services
from handlers.form import FormRefused, SentMeanwhile, add_evidence, load, save_draft, submit
from locales.errors import UserError
from locales.i18n import _
from locales.labels import reason_label, status_label
from storage.db import AsyncSession
from storage.evidence import check_room
from storage.form_passes import Holder, issue, link_was_used, spend_link
from storage.models import CannotReason, Status
from storage.people import account_of, accounts_of
from storage.sealed import sealer
from storage.telegram_bots import bot_with_id

log = logging.getLogger(__name__)
LIFF_BUNDLE = STATIC / "liff" / "liff.js"  # @line/liff from npm, bundled by `make liff` (docs/form.md)
INIT_DATA_MAX_AGE = 3600


def telegram_user_id(init_data: str, bot_token: str, now: float | None = None) -> str | None:
    """The Telegram user id ``initData`` vouches for, or None when it is forged, altered or over an hour old."""
    if not init_data or not bot_token or len(init_data) > 8192:
        return None
    fields = dict(parse_qsl(init_data, keep_blank_values=True))
    given = fields.pop("hash", "")
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):  # bytes: any hash typed, no TypeError
        return None
    try:
        age = (now if now is not None else time.time()) - int(fields.get("auth_date", "0"))
        user = json.loads(fields.get("user", "{}"))
    except ValueError:
        return None
    if not 0 <= age <= INIT_DATA_MAX_AGE or not isinstance(user, dict) or not isinstance(user.get("id"), int):
        return None
    return str(user["id"])


async def mini_app_holders(request: Request, session: AsyncSession, body: dict) -> list[Holder]:
    """Who a Telegram Mini App's ``initData`` vouches for, in each organisation they joined (oldest first). The
    page opened from an organisation's own bot says which (``bot``: its id, from the button's address): the proof
    is checked with that bot's token and the person looked for in its organisation alone; without it, with the
    deployment's bot's token. A made-up bot id is simply a proof that does not check."""
    settings = services(request).settings
    bot_id, token, org_id = body.get("bot"), settings.telegram_bot_token, None
    if bot_id:
        usable = isinstance(bot_id, str) and bot_id.isdigit() and len(bot_id) <= 20
        own = await bot_with_id(session, bot_id) if usable else None
        if own is None:
            return []
        token, org_id = sealer(settings).unseal(own.token), own.org_id
    user_id = telegram_user_id(body["telegram"], token)
    return (
        [Holder(a.org_id, a.person_id) for a in await accounts_of(session, "telegram", user_id, org_id)]
        if user_id
        else []
    )


def routes() -> list[Route]:
    return [
        Route("/form/", page),
        Route("/form/liff", page),
        Route("/form/static/{name}", static),
        Route("/form/api/session", open_session, methods=["POST"]),
        Route("/form/api/items", items),
        Route("/form/api/draft", draft, methods=["PUT"]),
        Route("/form/api/evidence", evidence, methods=["POST"]),
        Route("/form/api/submit", send, methods=["POST"]),
    ]


def texts() -> dict[str, str]:
    """Every word the page shows, from the catalogues in the current language."""
    return {
        "title": _("Answer every item on one page"),
        "show": _("Show"),
        "awaiting": _("Not answered yet"),
        "all": _("All"),
        "loading": _("Loading…"),
        "send": _("Send"),
        "expired": _("This page has expired. Open it again from the chat."),
        "error": _("Something went wrong; nothing was lost. Please try again."),
        "offline": _("Not connected; what you typed is kept on this phone. Send again when you are online."),
        "round": _("{months}-month round · {deadline}"),
        "previous": _("6-month round: {status}"),
        "answered": _("Answered: {status}"),
        "newer": _("{name} answered this item meanwhile: {status} — {done}. Check it; send again to replace it."),
        "newer_anon": _("Someone answered this item meanwhile: {status} — {done}. Check it; send again to replace it."),
        "newer_mine": _("You answered this item in the chat meanwhile: {status} — {done}. Send again to replace it."),
        "kpi": _("Indicator: {kpi}"),
        "target": _("Target: {qty} {unit}"),
        "budget": _("Budget: {amount} baht"),
        "no_budget": _("No budget"),
        "shared": _("Shared with {units}: each unit answers for its own part."),
        "too_large": _("The file is too large; the limit is {limit} MB."),
        "status": _("Status"),
        "reason_category": _("Why could it not be done?"),
        "choose": _("— choose —"),
        "reason": _("Reason (required for other)"),
        "done": _("What was done"),
        "qty": _("Achieved so far ({unit}; target {target})"),
        "disbursed": _("Disbursed to date, baht (budget {budget}); - if nothing"),
        "url": _("Evidence link (optional)"),
        "file": _("Evidence photo or file (optional)"),
        "files": _("Attached: {names}"),
        "uploading": _("Uploading…"),
        "all_done": _("Every item has an answer. Thank you!"),
        "nothing": _("Nothing to send yet: choose a status first."),
        "saved": _("Saved {n} item(s). The bot says so in the chat too."),
        "fix": _("Nothing was saved. Please check the items marked in red, then send again."),
        **{f"s_{s.value}": status_label(s.value) for s in Status},
        **{f"r_{c.value}": reason_label(c) for c in CannotReason},
    }


async def page(request: Request) -> Response:
    body, _lang = page_body(request, "form.html", texts)
    liff = request.url.path.endswith("/liff")
    liff_id = services(request).settings.line_liff_id if liff else ""
    body = (
        body.replace("__LIFF__", html.escape(liff_id, quote=True))
        .replace("__MAX_MB__", str(services(request).settings.evidence_max_mb))
        .replace("__LIFF_SCRIPT__", '<script src="/form/static/liff.js"></script>' if liff_id else "")
    )
    return HTMLResponse(body, headers=PAGE_HEADERS)


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name == "liff.js" and LIFF_BUNDLE.is_file():
        return FileResponse(LIFF_BUNDLE, headers={"Cache-Control": "no-cache"})
    if name in font_files():  # the page's Thai font, so a desktop with none shows Thai, not boxes
        return FileResponse(font_files()[name], media_type="font/ttf", headers={"Cache-Control": "max-age=86400"})
    if name not in ("form.js", "form.css"):
        return Response(status_code=404)
    return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})


async def _caller(request: Request) -> tuple[Holder, dict] | Response:
    """Who is asking (their session) and what they sent, or the refusal to answer with."""
    holder, body = await session_holder(request), await json_body(request)
    if holder is None:
        return refuse(_("This page has expired. Open it again from the chat."), 401)
    if body is None:
        return refuse(_("This request is not valid."), 400)
    return holder, body


async def open_session(request: Request) -> Response:
    speak(request)
    body = await json_body(request)
    if body is None:
        return refuse(_("This request is not valid."), 400)
    svc = services(request)
    async with svc.db.session() as s:
        holder = None
        if isinstance(body.get("link"), str):
            holder = await spend_link(s, body["link"])
            if holder is None and await link_was_used(s, body["link"]):
                return refuse(
                    _(
                        "This link has been used already: each link opens the form once. "
                        "Type /form in the chat for a new one."
                    ),
                    403,
                )
        elif isinstance(body.get("telegram"), str):
            holder = next(iter(await mini_app_holders(request, s, body)), None)
        elif isinstance(body.get("line"), str):
            line_id = await line_user_id(body["line"], svc.settings)
            account = await account_of(s, "line", line_id) if line_id else None
            holder = Holder(account.org_id, account.person_id) if account else None
        if holder is None:
            return refuse(_("This page has expired. Open it again from the chat."), 403)
        token = await issue(s, holder.org_id, holder.person_id, "session")
    return JSONResponse({"ok": True, "session": token})


async def items(request: Request) -> Response:
    speak(request)
    holder = await session_holder(request)
    if holder is None:
        return refuse(_("This page has expired. Open it again from the chat."), 401)
    try:
        async with services(request).db.session(commit=False) as s:
            return JSONResponse({"ok": True, **await load(s, holder)})
    except FormRefused as e:
        return refuse(str(e), 409)


async def draft(request: Request) -> Response:
    speak(request)
    caller = await _caller(request)
    if isinstance(caller, Response):
        return caller
    holder, body = caller
    try:
        async with services(request).db.session() as s:
            owned, closed = await save_draft(s, holder, body)
            if not owned:
                return refuse(_("This item is not one of your unit's items."), 403)
    except FormRefused as e:
        return refuse(str(e), 409)
    return JSONResponse({"ok": True, "closed": closed} if closed else {"ok": True})


async def evidence(request: Request) -> Response:
    """A photo or file for one item's draft: the raw body, its item, unit and name in headers (so no multipart
    parser sees a body before the session and the size are checked)."""
    speak(request)
    holder = await session_holder(request)
    if holder is None:
        return refuse(_("This page has expired. Open it again from the chat."), 401)
    settings = services(request).settings
    try:
        item, unit = int(request.headers.get("x-tidtam-item", "")), int(request.headers.get("x-tidtam-unit", ""))
        page_round = int(request.headers["x-tidtam-round"]) if request.headers.get("x-tidtam-round") else None
    except ValueError:
        return refuse(_("This request is not valid."), 400)
    try:  # the disk's floor and the quotas, by the size the request declares, before a byte is read
        check_room(settings, holder.org_id, holder.person_id, int(request.headers.get("content-length") or 0))
    except UserError as e:
        return refuse(str(e), 507)
    except ValueError:
        return refuse(_("This request is not valid."), 400)
    content = await read_limited(request, settings.evidence_max_mb * 1024 * 1024)
    if content is None:
        return refuse(_("The file is too large; the limit is {limit} MB.").format(limit=settings.evidence_max_mb), 413)
    name = unquote(request.headers.get("x-tidtam-filename", ""))[:200]
    mime = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        async with services(request).db.session() as s:
            files = await add_evidence(s, holder, settings, item, unit, name, mime, content, page_round)
            if files is None:
                return refuse(_("This item is not one of your unit's items."), 403)
    except UserError as e:
        return refuse(str(e), 409 if isinstance(e, FormRefused) else 422)
    return JSONResponse({"ok": True, "files": files})


async def send(request: Request) -> Response:
    speak(request)
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
        return refuse(str(e), 409)
    except SentMeanwhile as e:  # raised inside the transaction: what was saved of this send is rolled back
        return JSONResponse(e.result, status_code=422)
    return JSONResponse(result)
