"""The Telegram adapter: an Update in, the neutral core, inline keyboards and edits out.

Thin on purpose: it translates, it does not decide. Long polling for development; the
webhook lives in ``bot.web.app``. An update is read from its JSON and a step's replies go out as the Bot API's
JSON on one pooled aiohttp session (``BotApi``): python-telegram-bot's objects and request machinery cost
about 2 ms of CPU an update (bench/inbound.py), most of a step's budget. The library still polls, uploads
files, and paces sends with its AIORateLimiter.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from telegram import Update
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from base.events import Button, Incoming, IncomingFile, Mention, Message, Response
from base.settings import Settings
from bot.adapters.http import SharedSession, json_body, pooled_session
from handlers.core import handle
from locales.i18n import _, set_language
from locales.thai import clip
from scheduler.outbox import PermanentFailure, RetryLater
from storage.db import Database

if TYPE_CHECKING:
    from bot.adapters.telegram_bots import TelegramBots

log = logging.getLogger(__name__)
PLATFORM = "telegram"
TEXT_LIMIT = 4096
# python-telegram-bot's own defaults: a Bot API that stops answering is given up on in seconds, so a reply cannot
# hold a shutting-down worker (the outbox retries what it sends)
TIMEOUT = aiohttp.ClientTimeout(total=15, sock_connect=5, sock_read=5)


def build_application(settings: Settings, *, webhook: bool = False) -> Application:
    builder = ApplicationBuilder().token(settings.telegram_bot_token)
    if settings.telegram_rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter())
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    if webhook:
        builder = builder.updater(None)
    return builder.build()


async def check_token(settings: Settings) -> None:
    """Ask the Bot API who the bot is, so a wrong token or server is one clear sentence at start."""
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from locales.errors import UserError
    from locales.i18n import _

    bot = build_application(settings).bot
    where = settings.telegram_api_base_url or "api.telegram.org"
    try:
        async with bot:  # initialize() asks getMe
            pass
    except InvalidToken:
        raise UserError(
            _("The Bot API server ({where}) refused TELEGRAM_BOT_TOKEN: copy the token again from @BotFather").format(
                where=where
            )
        ) from None
    except (NetworkError, TelegramError) as e:
        raise UserError(
            _("Cannot reach the Bot API server ({where}): {error}").format(where=where, error=type(e).__name__)
        ) from None


class ApiError(Exception):
    """The Bot API said no: ``code`` is its error_code (429 with ``retry_after``, 400, 403 …)."""

    def __init__(self, code: int, description: str, retry_after: float | None = None):
        super().__init__(f"{code} {description}")
        self.code, self.description, self.retry_after = code, description, retry_after


class BotApi:
    """The Bot API methods a reply needs, each call's JSON written once and posted on one pooled session.
    The token is in every address: errors name their type only, never the address."""

    def __init__(self, settings: Settings, shared: SharedSession | None = None):
        base = settings.telegram_api_base_url.rstrip("/") or "https://api.telegram.org"
        self._url = f"{base}/bot{settings.telegram_bot_token}/"
        self._limiter = AIORateLimiter() if settings.telegram_rate_limiter else None
        self._shared = shared  # organisations' own bots share one pool of connections to Telegram
        self._http: Any = None  # aiohttp.ClientSession, made on the first call (inside the running loop)

    async def call(self, method: str, payload: dict) -> Any:
        if self._limiter is None:
            return await self._post(method, payload)
        return await self._limiter.process_request(self._post, (method, payload), {}, method, payload, None)

    async def _post(self, method: str, payload: dict) -> Any:
        if self._shared is not None:
            self._http = self._shared.get()
        elif self._http is None or self._http.closed:
            self._http = pooled_session(TIMEOUT)
        body = json_body(payload)
        async with self._http.post(self._url + method, data=body, headers={"Content-Type": "application/json"}) as r:
            raw, status = await r.read(), r.status
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = {}
        if status == 200 and isinstance(answer, dict) and answer.get("ok"):
            return answer.get("result")
        if not isinstance(answer, dict):
            answer = {}
        retry = (answer.get("parameters") or {}).get("retry_after")
        raise ApiError(
            int(answer.get("error_code") or status),
            str(answer.get("description") or ""),
            float(retry) if isinstance(retry, (int, float)) else None,
        )

    async def close(self) -> None:
        if self._http is not None and self._shared is None:
            await self._http.close()


@dataclass(frozen=True)
class Arrived:
    """One update, read: the neutral event, and where its replies go."""

    update_id: int
    event: Incoming | None
    chat_id: int | None = None
    callback_id: str = ""
    message_id: int | None = None  # the message the pressed button sits on (edited in place)


def _part(parent: dict, key: str) -> dict | None:
    value = parent.get(key)
    if value is not None and not isinstance(value, dict):
        raise ValueError(key)
    return value


def _need(parent: dict, key: str, kind: type) -> Any:
    value = _of(parent, key, kind)
    if value is None:
        raise ValueError(key)
    return value


def _of(parent: dict, key: str, kind: type, default: Any = None) -> Any:
    value = parent.get(key, default)
    if value is not None and not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ValueError(key)
    return value


class TelegramAdapter:
    """One bot: the deployment's (``org_id`` None), or an organisation's own, whose updates are that
    organisation's alone (bot/adapters/telegram_bots.py)."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        webhook: bool = False,
        org_id: int | None = None,
        http: SharedSession | None = None,
    ):
        self.settings, self.db, self.org_id, self.webhook = settings, db, org_id, webhook
        # an organisation's own bot's id (its token's first part): its lane, and the prefix of its updates' ids, which
        # count per bot (the processed-event mark tells them apart from the deployment's)
        self.bot_id = settings.telegram_bot_token.partition(":")[0] if org_id is not None else ""
        self.event_prefix = f"{self.bot_id}:" if self.bot_id else ""
        self._app: Application | None = None
        self.api = BotApi(settings, http)

    @property
    def app(self) -> Application:
        """python-telegram-bot's Application (polling, files), built when first needed: a deployment of
        thousands of organisations' bots sends text without one each."""
        if self._app is None:
            self._app = build_application(self.settings, webhook=self.webhook)
            self._app.add_handler(TypeHandler(Update, self._on_update))
            self._app.add_error_handler(self._on_error)
        return self._app

    async def close(self) -> None:
        if self._app is not None:
            await self._app.shutdown()
        await self.api.close()

    @property
    def username(self) -> str:
        if self.settings.telegram_bot_username:
            return self.settings.telegram_bot_username
        try:
            return self.app.bot.username
        except RuntimeError:  # not initialised yet (get_me not called)
            return ""

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.handle_update(self.parse(update.to_dict()))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure (never the message text) and tell the person, in Thai, to try again."""
        log.error(
            "update %s failed: %s",
            getattr(update, "update_id", "?"),
            type(context.error).__name__,
            exc_info=context.error,
        )
        if isinstance(update, Update) and update.effective_chat:
            set_language(None)
            try:
                await self.app.bot.send_message(
                    update.effective_chat.id, _("Sorry, something went wrong on our side. Please try again.")
                )
            except TelegramError:
                pass

    async def handle_update(self, arrived: Arrived) -> None:
        """Raises on a database failure, so that a webhook answers 5xx and Telegram redelivers."""
        response = await self.process(arrived)
        await self.render(arrived, response)

    async def process(self, arrived: Arrived) -> Response:
        """Do the work and commit it; the reply is rendered separately (a webhook renders after its 200)."""
        if arrived.event is None:
            return Response()
        return await handle(self.db, arrived.event, self.settings, detach=True)

    async def render_quietly(self, arrived: Arrived, response: Response, answered: bool = False) -> None:
        """Render after the webhook answered: a failure is logged (the answer itself is already stored)."""
        try:
            await self.render(arrived, response, answered=answered)
        except Exception as e:
            log.warning("reply to update %s not sent: %s", arrived.update_id, type(e).__name__)

    def parse(self, data: dict) -> Arrived:
        """An update's JSON read into the neutral event; ValueError when it is not an update's shape (a
        webhook answers 400). Kinds the bot does not answer (edits, channel posts …) have no event."""
        update_id = _need(data, "update_id", int)
        query, message = _part(data, "callback_query"), _part(data, "message")
        source = query if query is not None else message
        if source is None:
            return Arrived(update_id, None)
        user = _part(source, "from")
        on = _part(query, "message") if query is not None else message
        chat = _part(on, "chat") if on is not None else None
        if user is None or chat is None or _of(user, "is_bot", bool, False):
            return Arrived(update_id, None)
        chat_id = _need(chat, "id", int)
        names = (_of(user, "first_name", str, ""), _of(user, "last_name", str, ""))
        base = dict(
            platform=PLATFORM,
            user_id=str(_need(user, "id", int)),
            chat_id=str(chat_id),
            chat_type="private" if chat.get("type") == "private" else "group",
            user_name=" ".join(n for n in names if n),
            event_id=f"{self.event_prefix}{update_id}",
            bot_username=self.username,
            org_id=self.org_id,
        )
        if query is not None:
            assert on is not None
            return Arrived(
                update_id,
                Incoming(**base, data=_of(query, "data", str, "") or ""),
                chat_id,
                str(_of(query, "id", str, "")),
                _of(on, "message_id", int),
            )
        assert message is not None
        text = _of(message, "text", str) or _of(message, "caption", str) or ""
        return Arrived(update_id, Incoming(**base, text=text, file=self._file(message)), chat_id)

    def _file(self, message: dict) -> IncomingFile | None:
        photos = _of(message, "photo", list)
        if photos:
            photo = photos[-1]  # the largest size
            if not isinstance(photo, dict):
                raise ValueError("photo")
            return IncomingFile(
                "photo",
                f"{_of(photo, 'file_unique_id', str, '')}.jpg",
                _of(photo, "file_size", int),
                "image/jpeg",
                self._fetcher(_of(photo, "file_id", str, "")),
            )
        doc = _part(message, "document")
        if doc is not None:
            return IncomingFile(
                "document",
                _of(doc, "file_name", str) or "file",
                _of(doc, "file_size", int),
                _of(doc, "mime_type", str) or "application/octet-stream",
                self._fetcher(_of(doc, "file_id", str, "")),
            )
        return None

    def _fetcher(self, file_id: str):
        async def fetch() -> bytes:
            await self.app.initialize()  # an organisation's own bot is made ready on its first file (getMe)
            tg_file = await self.app.bot.get_file(file_id)
            return bytes(await tg_file.download_as_bytearray())

        return fetch

    async def render(self, arrived: Arrived, response: Response, *, answered: bool = False) -> None:
        """Send the Response; ``answered``: the button press was already answered (in the webhook's reply)."""
        if arrived.callback_id and not answered:
            answer: dict = {"callback_query_id": arrived.callback_id}
            if response.notice:
                answer["text"] = clip(response.notice, 190)
            try:
                await self.api.call("answerCallbackQuery", answer)  # always answer a button press
            except ApiError:
                pass  # too old to answer; the messages below still go out
        if arrived.chat_id is None:
            if response.pending is not None:
                await response.pending()
            return
        edited = await self._send_all(arrived, response.messages, False)
        if response.pending is not None:  # what was said so far is out; the slow part shows as a chat action
            said = len(response.messages)
            await self._busy(arrived.chat_id)
            await response.pending()
            await self._send_all(arrived, response.messages[said:], edited)
        # response.deliveries are already queued in the outbox; the dispatcher sends them

    async def _send_all(self, arrived: Arrived, messages: list[Message], edited: bool) -> bool:
        """Send in order, the first message marked ``edit`` replacing the pressed one; True once one has."""
        assert arrived.chat_id is not None
        for message in messages:
            if message.edit and arrived.message_id is not None and not edited:
                edited = await self._edit(arrived.chat_id, arrived.message_id, message)
                if edited:
                    continue
            await self.send(arrived.chat_id, message)
        return edited

    async def _busy(self, chat_id: int) -> None:
        """Telegram's "sending a file…" in the chat while documents are laid out (it lasts 5 s or until the
        next message; a sign of life, so its failure is ignored)."""
        try:
            await self.api.call("sendChatAction", {"chat_id": chat_id, "action": "upload_document"})
        except (ApiError, aiohttp.ClientError, OSError, TimeoutError):
            pass

    async def _edit(self, chat_id: int, message_id: int, message: Message) -> bool:
        payload: dict = {"chat_id": chat_id, "message_id": message_id, "text": message.text[:TEXT_LIMIT]}
        markup = _markup(message, self.settings.public_base_url, str(chat_id), self.bot_id)
        if markup:
            payload["reply_markup"] = markup
        try:
            await self.api.call("editMessageText", payload)
            return True
        except ApiError as e:
            if e.code == 400 and "not modified" in e.description.lower():
                return True
            return False

    async def send(self, chat_id: int | str, message: Message) -> None:
        chunks = _split(message.text) if message.text or message.attachment is None else []
        entities: list[dict] = []
        if message.mentions and chunks:
            line, entities = _mention_line(message.mentions)
            if len(chunks[-1]) + len(line) + 1 <= TEXT_LIMIT:
                shift = _utf16(chunks[-1] + "\n")
                entities = [{**e, "offset": e["offset"] + shift} for e in entities]
                chunks[-1] = chunks[-1] + "\n" + line
            else:
                chunks.append(line)
        for i, chunk in enumerate(chunks):
            payload: dict = {"chat_id": chat_id, "text": chunk}
            if entities and i == len(chunks) - 1:
                payload["entities"] = entities
            markup = (
                _markup(message, self.settings.public_base_url, str(chat_id), self.bot_id)
                if i == len(chunks) - 1
                else None
            )
            if markup:
                payload["reply_markup"] = markup
            await self.api.call("sendMessage", payload)
        if message.attachment is not None:
            a = message.attachment
            await self.app.initialize()  # a no-op once done
            with a.path.open("rb") as f:
                if a.kind == "photo":
                    await self.app.bot.send_photo(chat_id, f, caption=clip(a.caption, 1024) or None)
                else:
                    await self.app.bot.send_document(
                        chat_id, f, filename=a.filename, caption=clip(a.caption, 1024) or None
                    )


class TelegramSender:
    """The outbox dispatcher's way to Telegram: each row on its organisation's bot (its own, else the
    deployment's), each bot its own lane of the rate limiter; errors mapped to retry-later, give-up or back-off."""

    def __init__(self, bots: TelegramBots):
        self.bots = bots

    async def lane(self, org_id: int) -> str:
        adapter = await self.bots.of_org(org_id)
        return f"telegram/{adapter.bot_id}" if adapter is not None and adapter.bot_id else "telegram"

    async def send(self, chat_id: str, message: Message, key: str = "", org_id: int = 0) -> None:
        adapter = await self.bots.of_org(org_id)
        if adapter is None:
            raise PermanentFailure("no Telegram bot for this organisation")
        try:
            await adapter.send(chat_id, message)
        except ApiError as e:
            if e.code == 429:
                raise RetryLater(e.retry_after or 5.0, "429 retry_after") from e
            if e.code in (400, 403):  # blocked the bot, left the group, chat gone
                raise PermanentFailure(f"Bot API {e.code}") from e
            raise  # 5xx: the dispatcher tries again later
        except RetryAfter as e:  # a file, sent by python-telegram-bot
            retry = e.retry_after.total_seconds() if hasattr(e.retry_after, "total_seconds") else e.retry_after
            raise RetryLater(float(retry), "429 retry_after") from e
        except (Forbidden, BadRequest) as e:
            raise PermanentFailure(type(e).__name__) from e


def _markup(message: Message, base_url: str, chat_id: str, bot_id: str = "") -> dict | None:
    rows = [[k for b in row if (k := _key(b, base_url, chat_id, bot_id))] for row in message.buttons]
    rows = [row for row in rows if row]
    return {"inline_keyboard": rows} if rows else None


def _key(b: Button, base_url: str, chat_id: str, bot_id: str = "") -> dict | None:
    """A Mini App opens only from a private chat and an https address; a link button only to https (Telegram
    refuses others); an in-app button that cannot open falls back to its data, and in a group (where a Mini
    App cannot open) to nothing. An organisation's own bot names itself in the Mini App's address (``?bot=``):
    its ``initData`` is signed with its token, not the deployment's."""
    label, private = clip(b.label, 64), not chat_id.startswith("-")
    if b.app and base_url.startswith("https://"):
        if private:
            url = base_url.rstrip("/") + b.app + (f"?bot={bot_id}" if bot_id else "")
            return {"text": label, "web_app": {"url": url}}
        return None
    if b.url:
        return {"text": label, "url": b.url} if b.url.startswith("https://") else None
    if b.app and not private:
        return None
    return {"text": label, "callback_data": _clip_bytes(b.data, 64)} if b.data else None


def _clip_bytes(data: str, limit: int) -> str:
    """callback_data is 1–64 bytes (UTF-8), not characters."""
    raw = data.encode()
    return data if len(raw) <= limit else raw[:limit].decode(errors="ignore")


def _utf16(text: str) -> int:
    """Telegram counts entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _mention_line(mentions: list[Mention]) -> tuple[str, list[dict]]:
    """ "สมศรี ใจดี, สมชาย รักงาน" with each name a text mention (its person's app tells them)."""
    line, entities = "", []
    for m in mentions:
        name = clip(m.name, 64) or "-"
        if line:
            line += ", "
        if m.user_id.isdigit():
            user = {"id": int(m.user_id), "is_bot": False, "first_name": name}
            entities.append({"type": "text_mention", "offset": _utf16(line), "length": _utf16(name), "user": user})
        line += name
    return line, entities


def _split(text: str) -> list[str]:
    """Telegram takes 4,096 characters a message: cut long texts at line ends."""
    if len(text) <= TEXT_LIMIT:
        return [text or "…"]
    chunks, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line) > TEXT_LIMIT:
            chunks.append(line[:TEXT_LIMIT])
            line = line[TEXT_LIMIT:]
        if len(current) + len(line) > TEXT_LIMIT:
            chunks.append(current)
            current = ""
        current += line
    if current:
        chunks.append(current)
    return chunks
