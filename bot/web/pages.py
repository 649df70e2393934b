"""What the pages opened from the bot's one-time links share (the answer form, the overseers' page): their HTML with
its words filled in and their headers, the session token sent as a header, a JSON body of bounded size, the page's
language, and a refusal in one sentence."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.web.services import read_limited, services
from locales.i18n import LANGUAGES, set_language
from storage.form_passes import Holder, holder_of

STATIC = Path(__file__).parent / "static"
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' https://api.line.me https://access.line.me; "
    "frame-ancestors 'self' https://web.telegram.org",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAX_BODY = 256 * 1024  # a JSON call (a whole form's drafts); evidence is uploaded as its own body


def speak(request: Request) -> None:
    """Answer in the page's language (it sends it with each call)."""
    lang = request.headers.get("x-tidtam-lang", "th")
    set_language(lang if lang in LANGUAGES else "th")


def refuse(message: str, status: int) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status)


async def json_body(request: Request) -> dict | None:
    """A JSON object of bounded size, sent as JSON (a plain HTML form from another site cannot be)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return None
    body = await read_limited(request, MAX_BODY)
    try:
        data = json.loads(body) if body is not None else None
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # a lone surrogate ("\ud800") could never be stored
    except (ValueError, RecursionError, UnicodeEncodeError):
        return None
    return data if isinstance(data, dict) else None


async def session_holder(request: Request) -> Holder | None:
    auth = request.headers.get("authorization", "")
    if not auth.startswith("Bearer "):
        return None
    async with services(request).db.session(commit=False) as s:
        return await holder_of(s, auth[7:].strip())


def page_body(request: Request, name: str, texts: Callable[[], dict[str, str]]) -> tuple[str, str]:
    """A page's HTML in the language asked for (``?lang=``, Thai by default) with its ``{{key}}`` words filled in,
    escaped, and the same words as JSON for its script; and that language."""
    lang = request.query_params.get("lang", "th")
    lang = lang if lang in LANGUAGES else "th"
    set_language(lang)
    words = texts()
    body = (STATIC / name).read_text(encoding="utf-8")
    for key, text in words.items():
        body = body.replace("{{" + key + "}}", html.escape(text))
    body = body.replace("__LANG__", lang).replace(
        "__TEXTS__", json.dumps(words, ensure_ascii=False).replace("<", "\\u003c")
    )
    return body, lang
