"""What a person did, and what the bot answers — in no platform's terms.

Adapters turn a Telegram update, a LINE event or a simulator click into an ``Incoming``
and render the ``Response`` natively (inline keyboard, quick replies, HTML).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from base.values import without_control_characters


@dataclass
class IncomingFile:
    """A photo or document the person sent; ``fetch`` downloads it only once its size is accepted."""

    kind: Literal["photo", "document"]
    name: str
    size: int | None
    mime: str
    fetch: Callable[[], Awaitable[bytes]]


@dataclass
class Incoming:
    platform: str
    user_id: str
    chat_id: str
    chat_type: Literal["private", "group"] = "private"
    user_name: str = ""
    text: str = ""
    data: str | None = None  # the payload of a pressed button
    file: IncomingFile | None = None
    event_id: str | None = None  # for exactly-once handling of redelivered events
    bot_username: str = ""
    org_id: int | None = None  # the one organisation the channel it came on serves (an organisation's own LINE)

    def __post_init__(self) -> None:
        # what a person types is stored and goes into documents (XML): no control character but line breaks
        self.text = without_control_characters(self.text)

    @property
    def command(self) -> tuple[str, str] | None:
        """("report", "args…") for "/report args…" (also "/report@TidtamBot"); None for plain text."""
        text = self.text.strip()
        if not text.startswith("/") or len(text) < 2:
            return None
        head, _, rest = text[1:].partition(" ")
        return head.split("@", 1)[0].lower(), rest.strip()


@dataclass
class Button:
    """A button: it sends ``data`` back, or opens a web page.

    ``url`` is a link to open. ``app`` is a path of Tidtam's own web app (the answer form) to open inside the
    chat app where the adapter can — Telegram's Mini App in a private chat, LINE's LIFF — and elsewhere the
    button sends ``data`` instead (which asks the bot for a one-time link).
    """

    label: str
    data: str = ""
    url: str = ""
    app: str = ""

    def as_dict(self) -> dict[str, str]:
        pairs = (("label", self.label), ("data", self.data), ("url", self.url), ("app", self.app))
        return {k: v for k, v in pairs if v}

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> Button:
        return cls(d.get("label", ""), d.get("data", ""), d.get("url", ""), d.get("app", ""))


@dataclass
class Attachment:
    kind: Literal["photo", "document"]
    path: Path
    filename: str
    caption: str = ""


@dataclass(frozen=True)
class Mention:
    """A person named in a group message so that their app tells them (their account id on that platform)."""

    user_id: str
    name: str


@dataclass
class Message:
    """One message: text, rows of buttons, optionally a file or picture.

    ``edit`` asks the adapter to replace the message whose button was pressed, where the
    platform can (Telegram), instead of piling up a new one. ``mentions``: people to name at the end, each
    adapter in its own way (a Telegram text mention, a LINE textV2 mention, "@name" elsewhere).
    """

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    attachment: Attachment | None = None
    edit: bool = False
    style: str = ""  # "items": a list to choose from (LINE shows a carousel); "": plain
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class Delivery:
    """A message to another chat than the one that spoke (a reminder, a notice to a group)."""

    platform: str
    chat_id: str
    message: Message
    is_group: bool = False
    scope: str = "e"  # what the send belongs to in its outbox key (``r7:u3``: unit 3's reminder in round 7)
    kind: str = "notice"  # the outbox's kind: a reminder counts against the repeat interval


@dataclass
class Response:
    messages: list[Message] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    notice: str = ""  # a short toast for a pressed button (Telegram's callback answer)
    # slow work still to do once the platform has its 200 (a document to lay out); it adds to ``messages``.
    # The adapter shows that it is working (LINE's loading animation, Telegram's chat action) meanwhile
    pending: Callable[[], Awaitable[None]] | None = field(default=None, repr=False, compare=False)

    def say(
        self, text: str, buttons: list[list[Button]] | None = None, *, edit: bool = False, style: str = ""
    ) -> Response:
        self.messages.append(Message(text, buttons or [], edit=edit, style=style))
        return self
