"""The Telegram adapter: an Update in, the neutral core, inline keyboards and edits out.

Thin on purpose: it translates, it does not decide. Long polling for development; the
webhook lives in ``bot.web``. Sends go through python-telegram-bot's AIORateLimiter.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from base.settings import Settings
from handlers.core import handle
from base.events import Button, Incoming, IncomingFile, Message, Response
from locales.i18n import _, set_language
from locales.thai import clip
from scheduler.outbox import PermanentFailure, RetryLater
from storage.db import Database

log = logging.getLogger(__name__)
PLATFORM = "telegram"
TEXT_LIMIT = 4096


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


class TelegramAdapter:
    def __init__(self, settings: Settings, db: Database, *, webhook: bool = False):
        self.settings, self.db = settings, db
        self.app = build_application(settings, webhook=webhook)
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)

    @property
    def username(self) -> str:
        if self.settings.telegram_bot_username:
            return self.settings.telegram_bot_username
        try:
            return self.app.bot.username
        except RuntimeError:  # not initialised yet (get_me not called)
            return ""

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.handle_update(update)

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

    async def handle_update(self, update: Update) -> None:
        """Raises on a database failure, so that a webhook answers 5xx and Telegram redelivers."""
        response = await self.process(update)
        await self.render(update, response)

    async def process(self, update: Update) -> Response:
        """Do the work and commit it; the reply is rendered separately (a webhook renders after its 200)."""
        event = self.to_event(update)
        if event is None:
            return Response()
        return await handle(self.db, event, self.settings)

    async def render_quietly(self, update: Update, response: Response, answered: bool = False) -> None:
        """Render after the webhook answered: a failure is logged (the answer itself is already stored)."""
        try:
            await self.render(update, response, answered=answered)
        except Exception as e:
            log.warning("reply to update %s not sent: %s", update.update_id, type(e).__name__)

    def to_event(self, update: Update) -> Incoming | None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or user.is_bot:
            return None
        base = dict(
            platform=PLATFORM,
            user_id=str(user.id),
            chat_id=str(chat.id),
            chat_type="private" if chat.type == "private" else "group",
            user_name=user.full_name,
            event_id=str(update.update_id),
            bot_username=self.username,
        )
        if update.callback_query is not None:
            return Incoming(**base, data=update.callback_query.data or "")
        message = update.message
        if message is None:
            return None  # edits, channel posts, member updates: nothing to answer
        return Incoming(**base, text=message.text or message.caption or "", file=self._file(message))

    def _file(self, message) -> IncomingFile | None:
        if message.photo:
            photo = message.photo[-1]  # the largest size
            return IncomingFile(
                "photo", f"{photo.file_unique_id}.jpg", photo.file_size, "image/jpeg", self._fetcher(photo.file_id)
            )
        if message.document:
            doc = message.document
            return IncomingFile(
                "document",
                doc.file_name or "file",
                doc.file_size,
                doc.mime_type or "application/octet-stream",
                self._fetcher(doc.file_id),
            )
        return None

    def _fetcher(self, file_id: str):
        async def fetch() -> bytes:
            tg_file = await self.app.bot.get_file(file_id)
            return bytes(await tg_file.download_as_bytearray())

        return fetch

    async def render(self, update: Update, response: Response, *, answered: bool = False) -> None:
        """Send the Response; ``answered``: the button press was already answered (in the webhook's reply)."""
        query = update.callback_query
        if query is not None and not answered:
            try:
                await query.answer(text=clip(response.notice, 190) or None)  # always answer a button press
            except BadRequest:
                pass  # too old to answer; the messages below still go out
        chat_id = update.effective_chat.id
        edited = False
        for message in response.messages:
            if message.edit and query is not None and query.message is not None and not edited:
                edited = await self._edit(query, message)
                if edited:
                    continue
            await self.send(chat_id, message)
        # response.deliveries are already queued in the outbox; the dispatcher sends them

    async def _edit(self, query, message: Message) -> bool:
        try:
            markup = _markup(message, self.settings.public_base_url, str(query.message.chat.id))
            await query.edit_message_text(message.text[:TEXT_LIMIT], reply_markup=markup)
            return True
        except BadRequest as e:
            if "not modified" in str(e).lower():
                return True
            return False

    async def send(self, chat_id: int | str, message: Message) -> None:
        chunks = _split(message.text) if message.text or message.attachment is None else []
        for i, chunk in enumerate(chunks):
            await self.app.bot.send_message(
                chat_id,
                chunk,
                reply_markup=_markup(message, self.settings.public_base_url, str(chat_id))
                if i == len(chunks) - 1
                else None,
            )
        if message.attachment is not None:
            a = message.attachment
            with a.path.open("rb") as f:
                if a.kind == "photo":
                    await self.app.bot.send_photo(chat_id, f, caption=clip(a.caption, 1024) or None)
                else:
                    await self.app.bot.send_document(
                        chat_id, f, filename=a.filename, caption=clip(a.caption, 1024) or None
                    )


class TelegramSender:
    """The outbox dispatcher's way to Telegram: errors mapped to retry-later, give-up or back-off."""

    def __init__(self, adapter: TelegramAdapter):
        self.adapter = adapter

    async def send(self, chat_id: str, message: Message, key: str = "") -> None:
        try:
            await self.adapter.send(chat_id, message)
        except RetryAfter as e:
            retry = e.retry_after.total_seconds() if hasattr(e.retry_after, "total_seconds") else e.retry_after
            raise RetryLater(float(retry), "429 retry_after") from e
        except (Forbidden, BadRequest) as e:  # blocked the bot, left the group, chat gone
            raise PermanentFailure(type(e).__name__) from e


def _markup(message: Message, base_url: str, chat_id: str) -> InlineKeyboardMarkup | None:
    rows = [[k for b in row if (k := _key(b, base_url, chat_id))] for row in message.buttons]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def _key(b: Button, base_url: str, chat_id: str) -> InlineKeyboardButton | None:
    """A Mini App opens only from a private chat and an https address; a link button only to https (Telegram
    refuses others); an in-app button that cannot open falls back to its data, and in a group (where a Mini
    App cannot open) to nothing."""
    label, private = clip(b.label, 64), not chat_id.startswith("-")
    if b.app and base_url.startswith("https://"):
        if private:
            return InlineKeyboardButton(label, web_app=WebAppInfo(base_url.rstrip("/") + b.app))
        return None
    if b.url:
        return InlineKeyboardButton(label, url=b.url) if b.url.startswith("https://") else None
    if b.app and not private:
        return None
    return InlineKeyboardButton(label, callback_data=b.data[:64]) if b.data else None


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


def run_polling(settings: Settings, db: Database, poll_interval: float = 0.0) -> None:
    """Development mode: long polling until Ctrl-C, with the scheduler in the same process."""
    from scheduler.service import SchedulerService

    adapter = TelegramAdapter(settings, db)
    service: list[SchedulerService] = []

    async def post_init(_app: Application) -> None:
        if settings.run_scheduler:
            service.append(SchedulerService(db, settings, {PLATFORM: TelegramSender(adapter)}))
            await service[0].start()

    async def post_shutdown(_app: Application) -> None:
        for s in service:
            await s.stop()
        await db.dispose()

    adapter.app.post_init = post_init
    adapter.app.post_shutdown = post_shutdown
    adapter.app.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=poll_interval, drop_pending_updates=False)
