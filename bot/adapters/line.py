"""The LINE adapter: signed webhook events in, the neutral core, replies (free) and pushes (counted) out.

Replies use the event's reply token whenever the person spoke first; pushes are only for
the outbox (reminders, digests) and carry X-Line-Retry-Key derived from the outbox key,
so a retried push is never delivered twice. Buttons become quick replies (≤ 13) and a
list of items a Flex carousel (≤ 12 bubbles). LINE cannot send documents: files go as
short-lived download links served by the web app.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
)
from linebot.v3.messaging.exceptions import ApiException
from linebot.v3.webhooks import (
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    LeaveEvent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    TextMessageContent,
    UnfollowEvent,
)

from base.events import Button, Incoming, IncomingFile, Mention, Message, Response
from base.settings import Settings
from base.values import utcnow
from bot.adapters.http import SharedSession, json_body
from handlers.core import handle
from handlers.protocol import Pick
from locales.i18n import _
from locales.thai import clip
from scheduler.outbox import PermanentFailure, RetryLater
from storage import line_usage, outbox
from storage.db import Database
from storage.files import link_for
from storage.models import LineUsage, Outbox, OutboxState, id_of
from storage.people import forget_group_chat

log = logging.getLogger(__name__)
PLATFORM = "line"
MAX_MESSAGES = 5  # per reply or push request
BY_REPLY = "by reply"  # an outbox row delivered on a reply (free) instead of a push (counted)
MAX_QUICK_REPLIES = 13
MAX_BUBBLES = 12
TEXT_LIMIT = 5000
RETRY_NAMESPACE = uuid.UUID("6f1d0a52-3c2e-4b6e-9a55-7b9f1f0e7a11")


def retry_key(outbox_key: str) -> str:
    """The same outbox row always retries with the same X-Line-Retry-Key."""
    return str(uuid.uuid5(RETRY_NAMESPACE, outbox_key))


@dataclass(frozen=True)
class Channel:
    """One Messaging API channel: the deployment's (name "", from the settings) or an organisation's own."""

    name: str
    secret: str
    token: str
    org_id: int | None = None  # the one organisation it serves; None: every one without a channel of its own
    liff_id: str = ""  # the answer form's LIFF app; only the deployment's channel has one (docs/form.md)


def timeout() -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=30)


class LineAdapter:
    """One channel's webhook events in, its replies and pushes out."""

    def __init__(
        self, settings: Settings, db: Database, channel: Channel | None = None, http: SharedSession | None = None
    ):
        self.settings, self.db = settings, db
        self.channel = channel or Channel(
            "", settings.line_channel_secret, settings.line_channel_access_token, liff_id=settings.line_liff_id
        )
        self.parser = WebhookParser(self.channel.secret)
        self.host = settings.line_api_base_url.rstrip("/") or None
        self._sdk: dict[str, AsyncApiClient] = {}  # made when first needed: most channels only reply and push
        self._uncounted: dict[str, int] = {}  # month → pushes not yet added to line_usage
        self.api_base = settings.line_api_base_url.rstrip("/") or "https://api.line.me"
        self._own_http = http is None
        self.http = http or SharedSession(timeout())

    def _client(self, kind: str) -> AsyncApiClient:
        if kind not in self._sdk:  # message content lives on api-data.line.me; a test server serves both
            self._sdk[kind] = AsyncApiClient(Configuration(host=self.host, access_token=self.channel.token))
        return self._sdk[kind]

    @property
    def api(self) -> AsyncMessagingApi:
        return AsyncMessagingApi(self._client("api"))

    @property
    def blob(self) -> AsyncMessagingApiBlob:
        return AsyncMessagingApiBlob(self._client("blob"))

    async def close(self) -> None:
        try:
            await self.flush_counts()
        except Exception as e:
            log.warning("LINE push counts not written: %s", type(e).__name__)
        for client in self._sdk.values():
            await client.close()
        self._sdk = {}
        if self._own_http:
            await self.http.close()

    # ------------------------------------------------------------ in
    def parse(self, body: str, signature: str) -> list:
        """The events of a webhook body; InvalidSignatureError when X-Line-Signature does not match."""
        if not signature:
            raise InvalidSignatureError("missing X-Line-Signature")
        return self.parser.parse(body, signature)

    def to_event(self, ev) -> Incoming | None:
        source = ev.source
        user_id = getattr(source, "user_id", None) or ""
        if isinstance(source, GroupSource):
            chat_id, chat_type = source.group_id, "group"
        elif isinstance(source, RoomSource):
            chat_id, chat_type = source.room_id, "group"
        else:
            chat_id, chat_type = user_id, "private"
        base = dict(
            platform=PLATFORM,
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            event_id=getattr(ev, "webhook_event_id", None),
            org_id=self.channel.org_id,
        )
        if isinstance(ev, PostbackEvent):
            return Incoming(**base, data=ev.postback.data)
        if isinstance(ev, FollowEvent):
            return Incoming(**base, text="/start")  # greets, or says how to join
        if isinstance(ev, MessageEvent):
            content = ev.message
            if isinstance(content, TextMessageContent):
                return Incoming(**base, text=content.text)
            if isinstance(content, ImageMessageContent):
                return Incoming(
                    **base,
                    file=IncomingFile("photo", f"{content.id}.jpg", None, "image/jpeg", self._fetcher(content.id)),
                )
            if isinstance(content, FileMessageContent):
                return Incoming(
                    **base,
                    file=IncomingFile(
                        "document",
                        content.file_name,
                        content.file_size,
                        "application/octet-stream",
                        self._fetcher(content.id),
                    ),
                )
        return None

    def _fetcher(self, message_id: str):
        async def fetch() -> bytes:
            return bytes(await self.blob.get_message_content(message_id))

        return fetch

    async def record(self, ev) -> Callable[[], Awaitable[None]] | None:
        """Handle the event, its effects committed; what is left is the reply, returned to send later."""
        if isinstance(ev, (UnfollowEvent, LeaveEvent)):
            await self._forget_chat(ev)
            return None
        if isinstance(ev, JoinEvent):
            hello = [_text(_("Hello. An administrator can bind this group to a unit: /bindgroup CODE"))]

            async def greet() -> None:
                await self.reply(ev.reply_token, hello)

            return greet
        event = self.to_event(ev)
        if event is None:
            return None
        response = await handle(self.db, event, self.settings, detach=True)
        reply_token = getattr(ev, "reply_token", None)
        if response.pending is not None:
            return lambda: self._finish(event, response, reply_token)
        if not (reply_token and response.messages):
            return None

        async def reply() -> None:
            await self.reply_with_waiting(reply_token, event, await self.render_all(response, event))

        return reply

    async def _finish(self, event: Incoming, response: Response, reply_token: str | None) -> None:
        """The slow part of a step, after LINE has its 200: the loading animation meanwhile, then one reply
        with everything said — or, when the reply token has lapsed, a push (counted against the quota)."""
        if event.chat_id.startswith("U"):  # LINE shows it only in a one-to-one chat
            await self.loading(event.chat_id)
        assert response.pending is not None
        await response.pending()
        if not response.messages:
            return
        messages = await self.render_all(response, event)
        if reply_token and await self.reply_with_waiting(reply_token, event, messages):
            return
        try:
            await self.push(event.chat_id, messages, f"late-{self.channel.name}-{event.event_id}")
        except (PermanentFailure, RetryLater, RuntimeError, aiohttp.ClientError, OSError, TimeoutError) as e:
            log.warning("LINE late answer not sent: %s", e if isinstance(e, PermanentFailure) else type(e).__name__)
            return
        await self.flush_counts()

    async def loading(self, user_id: str) -> None:
        """LINE's loading animation in the person's chat, for up to 60 s or until the answer arrives (free)."""
        try:
            status, _body, _h = await self._post(
                "/v2/bot/chat/loading/start", {"chatId": user_id, "loadingSeconds": 60}
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as e:
            log.warning("LINE loading animation failed: %s", type(e).__name__)
            return
        if status not in (200, 202):
            log.warning("LINE loading animation failed: HTTP %s", status)

    async def _forget_chat(self, ev) -> None:
        source = ev.source
        if isinstance(source, (GroupSource, RoomSource)):
            chat_id = getattr(source, "group_id", None) or getattr(source, "room_id", None)
            async with self.db.session() as s:
                await forget_group_chat(s, PLATFORM, chat_id)

    # ------------------------------------------------------------ out
    async def render_all(self, response: Response, event: Incoming | None = None) -> list:
        out = []
        for message in response.messages:
            out += await self.render(message, event)
        return _fit(out)

    async def render(self, message: Message, event: Incoming | None = None, to: str = "") -> list:
        rendered = []
        text = message.text
        if message.attachment is not None:
            link = await self._link(message, event.user_id if event else to)
            text = (text + "\n" if text else "") + _("{name}: {link} (the link works once, for {hours} hours)").format(
                name=message.attachment.filename, link=link, hours=self.settings.download_link_hours
            )
        chat = event.chat_id if event else to
        buttons = [u for row in message.buttons for b in row if (u := self._usable(b, chat)) is not None]
        if message.style == "items" and buttons:
            items = [b for b in buttons if b.data.startswith(PICK)][:MAX_BUBBLES]
            others = [b for b in buttons if not b.data.startswith(PICK)]
            rendered.append(_text(text))
            rendered.append(carousel(items, _("Choose an item")))
            if others:
                rendered[-1]["quickReply"] = _quick(others, self.channel.liff_id)
            return rendered
        msg = _text_v2(text, message.mentions) if message.mentions else _text(text or "…")
        if buttons:
            msg["quickReply"] = _quick(buttons[:MAX_QUICK_REPLIES], self.channel.liff_id)
        return [msg]

    def _usable(self, b: Button, chat: str) -> Button | None:
        """A LIFF button opens anywhere once a LIFF app is set; without one it falls back to its data in a
        private chat and is left out of a group (it would ask for a link there). A link only to https."""
        if b.app and not self.channel.liff_id and not chat.startswith("U"):
            return None
        if b.url and not b.url.startswith("https://"):
            return None
        return b

    async def _link(self, message: Message, recipient: str) -> str:
        async with self.db.session() as s:
            return await link_for(
                s,
                self.settings,
                message.attachment.path,
                message.attachment.filename,
                platform=PLATFORM,
                external_id=recipient,
            )

    async def _post(self, path: str, payload: dict, headers: dict[str, str] | None = None) -> tuple[int, str, Any]:
        """One call to the Messaging API with the JSON written once: the SDK's models validate and re-serialise
        every argument (about 1 ms of CPU a push), which caps a process well below LINE's 2,000 pushes a second.
        Returns the status, the body when it is not 200, and the response headers."""
        body = json_body(payload)
        async with self.http.get().post(
            self.api_base + path,
            data=body,
            headers={
                "Authorization": f"Bearer {self.channel.token}",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        ) as r:
            if r.status == 200:
                await r.read()  # the connection goes back to the pool
                return 200, "", {}
            return r.status, await r.text(), r.headers.copy()

    async def reply_with_waiting(self, reply_token: str, event: Incoming, messages: list) -> bool:
        """Reply, and let what the outbox holds for this person ride on it: a reply is free, the push it
        replaces would be counted. Rows that do not fit or whose reply fails go back to the queue untouched."""
        room = MAX_MESSAGES - len(messages)
        if room <= 0 or event.chat_type != "private":
            return await self.reply(reply_token, messages)
        owner = f"reply-{uuid.uuid4().hex[:8]}"
        rows = await outbox.claim_for_chat(self.db, PLATFORM, event.chat_id, room, owner, utcnow(), self.channel.org_id)
        riding: list[Outbox] = []
        extra: list[dict[str, Any]] = []
        for row in rows:
            rendered = await self.render(outbox.from_payload(row.payload, self.settings.data_dir), to=event.chat_id)
            if len(messages) + len(extra) + len(rendered) > MAX_MESSAGES:
                break
            riding.append(row)
            extra += rendered
        ok = await self.reply(reply_token, messages + extra)
        back = {"state": OutboxState.PENDING, "owner": ""}
        outcomes = [(id_of(r), {"state": OutboxState.SENT} if ok and r in riding else back) for r in rows]
        if outcomes:
            await outbox.record(self.db, outcomes, utcnow(), how=BY_REPLY)
        return ok

    async def reply(self, reply_token: str, messages: list) -> bool:
        """Reply (free); False when LINE refused it — a reply token is used once and lapses."""
        try:
            status, _body, _h = await self._post(
                "/v2/bot/message/reply", {"replyToken": reply_token, "messages": messages[:MAX_MESSAGES]}
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as e:
            log.warning("LINE reply failed: %s", type(e).__name__)
            return False
        if status != 200:
            log.warning("LINE reply failed: HTTP %s", status)
        return status == 200

    async def push(self, to: str, messages: list, key: str) -> None:
        headers = {"X-Line-Retry-Key": retry_key(key)} if key else {}
        status, body, answer = await self._post(
            "/v2/bot/message/push", {"to": to, "messages": messages[:MAX_MESSAGES]}, headers
        )  # a connection error is raised: the dispatcher retries it with the same key
        if status == 409:  # accepted before under this retry key: delivered, and counted by LINE
            await self._count(to)
            return
        if status == 429 and "monthly limit" in body.lower():
            log.error("LINE monthly message limit reached; pushes stop until next month")
            await self._limit_reached()
            raise PermanentFailure("LINE monthly limit")
        if status == 429:
            # LINE's rate limit is per second and its 429 names no wait: a second or two, the same retry key
            raise RetryLater(float(answer.get("Retry-After", 2)), "LINE 429")
        where = f"channel {self.channel.name}" if self.channel.name else "the deployment's channel"
        if 400 <= status < 500:  # 401: the channel's token is wrong or revoked (`tidtam line channel set`)
            raise PermanentFailure(f"LINE HTTP {status} on {where}")
        if status != 200:
            raise RuntimeError(f"LINE HTTP {status} on {where}")
        await self._count(to)

    async def _count(self, to: str) -> None:
        """Count a push × its recipients against this month's quota."""
        recipients = 1
        if to.startswith(("C", "R")):  # a group or a room: every member counts
            try:
                recipients = (await self.api.get_group_member_count(to)).count
            except ApiException:
                recipients = 1
        month = line_usage.month_of(utcnow())
        self._uncounted[month] = self._uncounted.get(month, 0) + recipients

    async def flush_counts(self) -> None:
        """Write the pushes counted since the last flush (one transaction per dispatcher batch, not per push)."""
        counted = self.take_counts()
        if counted:
            await line_usage.add_pushes(self.db, self.channel.name, counted)

    def take_counts(self) -> dict[str, int]:
        """The pushes counted since the last flush, per month, now the caller's to write."""
        counted, self._uncounted = self._uncounted, {}
        return counted

    async def _limit_reached(self) -> None:
        """Record that the quota is spent, so admins are told (on their other app) and pushes are held back."""
        await line_usage.quota_spent(self.db, self.channel.name)

    async def check_quota(self) -> LineUsage:
        """Read the quota and LINE's own count of this month's messages (the scheduler does it daily)."""
        quota = await self.api.get_message_quota()
        consumption = await self.api.get_message_quota_consumption()
        limit = quota.value if quota.type == "limited" else None
        return await line_usage.record_quota(self.db, self.channel.name, limit, consumption.total_usage)


PICK = Pick.prefix + ":"  # an item's button: shown as a card of the carousel


def _text_v2(text: str, mentions: list[Mention]) -> dict[str, Any]:
    """A text whose last line names people with LINE mentions (textV2: ``{m0}`` filled by a substitution; the
    text's own braces doubled, as textV2 reads single ones as placeholders)."""
    tags = " ".join(f"{{m{i}}}" for i in range(len(mentions)))
    room = TEXT_LIMIT - len(tags) - 1
    body = (text or "…")[: room // 2] if len(text) * 2 > room else text  # doubled braces still fit
    return {
        "type": "textV2",
        "text": body.replace("{", "{{").replace("}", "}}") + "\n" + tags,
        "substitution": {
            f"m{i}": {"type": "mention", "mentionee": {"type": "user", "userId": m.user_id}}
            for i, m in enumerate(mentions)
        },
    }


def _text(text: str) -> dict[str, Any]:
    """LINE's message objects are written as the JSON the Messaging API takes (its reference's field names)."""
    return {"type": "text", "text": text[:TEXT_LIMIT]}


def _quick(buttons: list[Button], liff_id: str) -> dict[str, Any]:
    return {"items": [{"type": "action", "action": _action(b, liff_id)} for b in buttons[:MAX_QUICK_REPLIES]]}


def _action(b: Button, liff_id: str) -> dict[str, str]:
    label = clip(b.label, 20)
    if b.app and liff_id:  # the LIFF app's endpoint is PUBLIC_BASE_URL/form/liff (docs/form.md)
        return {"type": "uri", "label": label, "uri": f"https://liff.line.me/{liff_id}"}
    if b.url:
        return {"type": "uri", "label": label, "uri": b.url[:1000]}
    return {"type": "postback", "label": label, "data": b.data[:300], "displayText": clip(b.label, 300)}


def carousel(buttons, alt_text: str) -> dict[str, Any]:
    bubbles = [
        {
            "type": "bubble",
            "size": "kilo",
            "body": {
                "type": "box",
                "layout": "vertical",
                "spacing": "sm",
                "contents": [{"type": "text", "text": clip(b.label, 300), "wrap": True, "size": "sm"}],
            },
            "footer": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    {
                        "type": "button",
                        "style": "primary",
                        "height": "sm",
                        "action": {
                            "type": "postback",
                            "label": clip(_("Answer"), 20),
                            "data": b.data,
                            "displayText": clip(b.label, 300),
                        },
                    }
                ],
            },
        }
        for b in buttons[:MAX_BUBBLES]
    ]
    return {"type": "flex", "altText": alt_text[:400], "contents": {"type": "carousel", "contents": bubbles}}


def _fit(messages: list) -> list:
    """At most five messages a request: merge consecutive plain texts first."""
    out: list = []
    for m in messages:
        if (
            out
            and m["type"] == "text"
            and out[-1]["type"] == "text"
            and "quickReply" not in out[-1]
            and len(out[-1]["text"]) + len(m["text"]) < TEXT_LIMIT - 2
        ):
            out[-1] = {**m, "text": out[-1]["text"] + "\n\n" + m["text"]}
        else:
            out.append(m)
    return out[:MAX_MESSAGES]
