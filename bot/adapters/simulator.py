"""The local web simulator: a third channel adapter over the same handlers, for trying Tidtam with no token.

Several phone-shaped chats on one page (staff of two units, a unit head, the manager, the admin and a
newcomer); what the bot says is stored like any channel's messages, and what the scheduler sends arrives
through the same outbox. A clock control jumps to the next scheduled send so a whole round can be seen in
minutes. The simulated clock is the one clock of the simulator: every request it serves (commands, the form,
reports, invite expiry) reads "now" from it (``base.values.clock_offset``), and it runs on from where it was set;
it exists only here — real channels always use real time.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from base.events import Incoming, IncomingFile, Message
from base.events import Response as BotResponse
from base.settings import Settings
from base.values import BANGKOK, clock_offset
from bot.web.services import services
from handlers.core import handle
from locales.errors import UserError
from locales.i18n import LANGUAGES, _, set_language
from locales.thai import format_datetime
from scheduler.outbox import Dispatcher, RateLimiter
from scheduler.tick import tick
from storage import simulator
from storage.db import Database, backend_of
from storage.demo import CLOCK_START, SIMULATOR, demo_org, ensure_demo, real_organisations
from storage.models import SimMessage

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"  # the page beside the form's
PHONES = [
    ("staff-a", "สมศรี · กองคลัง"),
    ("staff-b", "สมชาย · กองช่าง"),
    ("head-b", "วิชัย · หัวหน้ากองช่าง"),
    ("manager", "ปลัดสมปอง · ผู้บริหาร"),
    ("admin", "ผู้ดูแลระบบ"),
    ("newcomer", "ผู้ใช้ใหม่"),
]
MAX_UPLOAD = 25 * 1024 * 1024
Endpoint = Callable[[Request], Awaitable[Response]]


class SimulatorSender:
    """What the outbox sends to a simulator chat lands in its message list."""

    def __init__(self, sim: Simulator):
        self.sim = sim

    async def send(self, chat_id: str, message: Message, key: str = "", org_id: int = 0) -> None:
        await self.sim.store(chat_id, message)


class Simulator:
    def __init__(self, settings: Settings, db: Database):
        self.settings, self.db = settings, db
        self.dispatcher = Dispatcher(
            db, {SIMULATOR: SimulatorSender(self)}, settings.data_dir, "simulator", RateLimiter({})
        )
        self._offset: dt.timedelta | None = None

    # ------------------------------------------------------------ the clock
    async def offset(self) -> dt.timedelta:
        """How far the simulated clock is ahead of the real one (kept as "offset" in seconds: the clock runs on
        in real time from the moment it was set, so leases and retries that wait a minute still come)."""
        if self._offset is None:
            self._offset = await simulator.stored_offset(self.db, CLOCK_START.replace(tzinfo=BANGKOK) - _real_now())
        return self._offset

    async def clock(self) -> dt.datetime:
        return _real_now() + await self.offset()

    async def _set_clock(self, moment: dt.datetime) -> None:
        offset = moment - _real_now()
        await simulator.store_offset(self.db, offset)
        self._offset = offset
        clock_offset.set(offset)  # the rest of this request, too

    async def next_send(self) -> dict:
        """Move the clock to the next moment the scheduler sends something, and send it."""
        now = await self.clock()
        from scheduler.tick import Policy

        policy = Policy.from_settings(self.settings)
        day = now.date()
        for _step in range(200):
            moment = dt.datetime.combine(day, policy.work_start, tzinfo=BANGKOK)
            if moment > now:
                report = await tick(
                    self.db, self.settings, now=moment.astimezone(dt.UTC), org_ids={await demo_org_id(self.db)}
                )
                if report.queued:
                    await self._set_clock(moment)
                    sent = await self.dispatcher.run_once()
                    return {"clock": moment.isoformat(), "sent": sent}
            day += dt.timedelta(days=1)
        return {"clock": now.isoformat(), "sent": 0}

    # ------------------------------------------------------------ messages
    async def store(self, chat_id: str, message: Message, *, outgoing: bool = True) -> None:
        clock = await self.clock()
        if message.mentions:  # the phones show a group's mentions as "@name"
            message = replace(message, text=message.text + "\n" + " ".join(f"@{m.name}" for m in message.mentions))
        attachment = None
        if message.attachment is not None:
            attachment = {
                "kind": message.attachment.kind,
                "filename": message.attachment.filename,
                "path": str(message.attachment.path),
            }
        if message.edit and outgoing and await simulator.edit_last(self.db, chat_id, message.text, _buttons(message)):
            return
        await simulator.add_message(
            self.db,
            SimMessage(
                chat_id=chat_id,
                outgoing=outgoing,
                text=message.text,
                buttons=_buttons(message),
                attachment=attachment,
                shown_at=clock.isoformat(),
            ),
        )

    async def act(
        self, chat_id: str, *, text: str = "", data: str | None = None, file: IncomingFile | None = None
    ) -> None:
        """A person on one of the phones typed, pressed a button or sent a file."""
        if data is None:
            shown = text if file is None else f"[{file.name}]"
            await self.store(chat_id, Message(shown), outgoing=False)
        event = Incoming(
            platform=SIMULATOR,
            user_id=chat_id,
            chat_id=chat_id,
            text=text,
            data=data,
            file=file,
            event_id=uuid.uuid4().hex,
            bot_username="",
        )
        response: BotResponse = await handle(self.db, event, self.settings)
        for message in response.messages:
            await self.store(chat_id, message)
        await self.dispatcher.run_once()  # what a command sent to other chats (e.g. /remind)

    async def messages(self, after: int) -> list[dict]:
        await self.dispatcher.run_once()  # what was queued outside a chat (the form's "saved") shows as it polls
        return [_json(r) for r in await simulator.messages_after(self.db, after)]


def _buttons(message: Message) -> list[list[dict[str, str]]]:
    return [[b.as_dict() for b in row] for row in message.buttons]


def _json(r: SimMessage) -> dict:
    shown = dt.datetime.fromisoformat(r.shown_at) if r.shown_at else None
    return {
        "id": r.id,
        "chat": r.chat_id,
        "out": r.outgoing,
        "text": r.text,
        "buttons": r.buttons,
        "attachment": (
            {"kind": r.attachment["kind"], "filename": r.attachment["filename"], "url": f"/sim/files/{r.id}"}
            if r.attachment
            else None
        ),
        "at": format_datetime(shown) if shown else "",
    }


def routes(settings: Settings) -> list[Route]:
    """The simulator's page and API, added to the web app when no platform token is set; all but the static
    files only for this machine's own pages (see ``same_site_only``)."""
    hosts = {"127.0.0.1", "localhost", "::1", settings.web_host}

    def guard(endpoint: Endpoint, body: str = "") -> Endpoint:
        return same_site_only(endpoint, hosts, body)

    return [
        Route("/", guard(page)),
        Route("/static/{name}", static),
        Route("/sim/api/messages", guard(api_messages)),
        Route("/sim/api/say", guard(api_say, "json"), methods=["POST"]),
        Route("/sim/api/press", guard(api_press, "json"), methods=["POST"]),
        Route("/sim/api/upload", guard(api_upload, "form"), methods=["POST"]),
        Route("/sim/api/next", guard(api_next, "json"), methods=["POST"]),
        Route("/sim/files/{id:int}", guard(sim_file)),
        Route("/sim/reports/{fmt}", guard(report)),
    ]


def _real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SimulatedClock:
    """Middleware: every request of the simulator's web app (its phones, the form, reports) runs on the
    simulated clock."""

    def __init__(self, app: ASGIApp, sim: Simulator):
        self.app, self.sim = app, sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = clock_offset.set(await self.sim.offset())
        try:
            await self.app(scope, receive, send)
        finally:
            clock_offset.reset(token)


def simulator_of(request: Request) -> Simulator:
    sim = services(request).simulator
    assert sim is not None, "the simulator's routes are added only with the simulator"
    return sim


async def page(request: Request) -> Response:
    lang = request.query_params.get("lang", "th")
    lang = lang if lang in LANGUAGES else "th"  # it is written into the page
    set_language(lang)
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    labels = {
        "title": _("Tidtam simulator"),
        "demo": _("Demo data — not a real organisation"),
        "next": _("Jump to the next scheduled send"),
        "clock": _("Simulated clock"),
        "reports": _("Reports"),
        "send": _("Send"),
        "placeholder": _("Type a message or /help"),
        "attach": _("Attach"),
        "other": _("English") if lang == "th" else "ภาษาไทย",
        "other_lang": "en" if lang == "th" else "th",
        "nothing": _("Nothing more is scheduled."),
        "close": _("Close"),
        "form": _("The answer form"),
        "hint": _("Try: /help in any phone; /report as staff; /summary as the manager; /invite as the admin."),
    }
    phones = [{"id": pid, "name": name} for pid, name in PHONES]
    html = (
        html.replace("__LABELS__", _script_json(labels))
        .replace("__PHONES__", _script_json(phones))
        .replace("__LANG__", lang)
    )
    return HTMLResponse(html, headers=PAGE_HEADERS)


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name == "sarabun.ttf":
        import fontpkg_sarabun

        return FileResponse(fontpkg_sarabun.ROOT / "files" / "Sarabun-Regular.ttf", media_type="font/ttf")
    path = (STATIC / name).resolve()
    if path.parent != STATIC.resolve() or not path.is_file():
        return Response(status_code=404)
    return FileResponse(path)


async def api_messages(request: Request) -> Response:
    sim = simulator_of(request)
    after = int(request.query_params.get("after", "0") or 0)
    return JSONResponse(
        {
            "messages": await sim.messages(after),
            "clock": format_datetime(await sim.clock()),
        }
    )


async def api_say(request: Request) -> Response:
    body = await _json_object(request)
    chat, text = str(body.get("chat", "")), str(body.get("text", ""))[:20000]
    if chat not in dict(PHONES) or not text.strip():
        return JSONResponse({"error": "chat and text"}, status_code=400)
    await simulator_of(request).act(chat, text=text)
    return JSONResponse({"ok": True})


async def api_press(request: Request) -> Response:
    body = await _json_object(request)
    chat, data = str(body.get("chat", "")), str(body.get("data", ""))[:200]
    if chat not in dict(PHONES):
        return JSONResponse({"error": "chat"}, status_code=400)
    await simulator_of(request).act(chat, data=data)
    return JSONResponse({"ok": True})


async def api_upload(request: Request) -> Response:
    form = await request.form(max_part_size=MAX_UPLOAD)
    chat, upload = str(form.get("chat", "")), form.get("file")
    if chat not in dict(PHONES) or not isinstance(upload, UploadFile):
        return JSONResponse({"error": "chat and file"}, status_code=400)
    content = await upload.read()
    kind = "photo" if (upload.content_type or "").startswith("image/") else "document"

    async def fetch() -> bytes:
        return content

    await simulator_of(request).act(
        chat,
        file=IncomingFile(
            kind, upload.filename or "file", len(content), upload.content_type or "application/octet-stream", fetch
        ),
    )
    return JSONResponse({"ok": True})


async def api_next(request: Request) -> Response:
    return JSONResponse(await simulator_of(request).next_send())


async def sim_file(request: Request) -> Response:
    sim = simulator_of(request)
    async with sim.db.session(commit=False) as s:
        row = await s.get(SimMessage, int(request.path_params["id"]))
    if row is None or not row.attachment:
        return Response(status_code=404)
    path = Path(row.attachment["path"]).resolve()  # noqa: ASYNC240 - one path resolved, microseconds
    if not path.is_relative_to(sim.settings.data_dir.resolve()) or not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, filename=row.attachment["filename"])


async def report(request: Request) -> Response:
    fmt = request.path_params["fmt"]
    if fmt not in ("xlsx", "docx", "pdf"):
        return Response(status_code=404)
    from reports.export import export
    from reports.model import build_report
    from storage.answers import Answers

    sim = simulator_of(request)
    set_language("th")
    async with sim.db.session(commit=False) as s:
        org = await demo_org(s)
        rnd = await Answers(s, org.id).current_round() if org else None
        if org is None or rnd is None:
            return Response(status_code=404)
        built = await build_report(s, sim.settings, org, rnd)
    files = export(built, [fmt], sim.settings.data_dir / "exports" / "simulator" / uuid.uuid4().hex[:10])
    return FileResponse(files[0], filename=files[0].name)


PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


async def _json_object(request: Request) -> dict:
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError):
        return {}
    return body if isinstance(body, dict) else {}


def _script_json(value) -> str:
    """JSON safe inside a <script> element: no "</script>" or "<!--" can end it early."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def same_site_only(endpoint: Endpoint, hosts: set[str], body: str = "") -> Endpoint:
    """Refuse what another site could make a browser send: a Host that is not this machine (DNS rebinding),
    and on POST a missing or foreign Origin, and a body a plain HTML form can send (``json``: only
    application/json; ``form``: only with the header the page's own script adds, which forces a preflight)."""

    async def guarded(request: Request) -> Response:
        host = request.url.hostname or ""
        if host.strip("[]") not in hosts:
            return JSONResponse({"error": "unknown host"}, status_code=403)
        if request.method == "POST":
            origin = request.headers.get("origin", "")
            if origin != f"{request.url.scheme}://{request.headers.get('host', '')}":
                return JSONResponse({"error": "cross-site request"}, status_code=403)
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if body == "json" and content_type != "application/json":
                return JSONResponse({"error": "JSON only"}, status_code=415)
            if body == "form" and request.headers.get("x-tidtam-simulator") != "1":
                return JSONResponse({"error": "cross-site request"}, status_code=403)
        return await endpoint(request)

    return guarded


def refuse_unsafe_settings(settings: Settings) -> None:
    """The simulator is for a laptop: no production database, no platform, no public webhook."""
    problems = []
    if settings.database_url and backend_of(settings.effective_database_url) != "sqlite":
        problems.append("DATABASE_URL")
    problems += [
        name.upper()
        for name in ("telegram_bot_token", "telegram_webhook_url", "line_channel_secret", "line_channel_access_token")
        if getattr(settings, name)
    ]
    if problems:
        raise UserError(
            _(
                "The simulator runs only on its own SQLite database with no platform set up; unset "
                "{settings} (or use another DATA_DIR with no .env)."
            ).format(settings=", ".join(problems))
        )


async def refuse_real_organisations(db: Database) -> None:
    async with db.session(commit=False) as s:
        names = await real_organisations(s)
    if names:
        raise UserError(
            _(
                "This database holds real organisations ({names}); the simulator runs only on a "
                "database of its own: set DATA_DIR to an empty folder."
            ).format(names=", ".join(names[:3]) + (" …" if len(names) > 3 else ""))
        )


async def demo_org_id(db: Database) -> int:
    async with db.session(commit=False) as s:
        org = await demo_org(s)
    if org is None or org.id is None:
        raise UserError(_("The demo organisation is missing."))
    return org.id


async def prepare(db: Database) -> None:
    await refuse_real_organisations(db)
    async with db.session() as s:
        await ensure_demo(s)
