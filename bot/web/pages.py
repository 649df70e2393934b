"""What the pages opened from the bot's one-time links share (the answer form, the overseer's page): the session
token sent as a header, a JSON body of bounded size, the page's language, and a refusal in one sentence."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.web.services import read_limited, services
from locales.i18n import LANGUAGES, set_language
from storage.form_passes import Holder, holder_of

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
