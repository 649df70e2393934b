"""LINE Login, as the pages use it: an ID token checked by LINE's verify endpoint (the form's LIFF app), and the web
sign-in's code exchanged for one (the overseers' page, opened in any browser) — each giving the LINE user it names."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import httpx

from base.settings import Settings

log = logging.getLogger(__name__)
LINE_LOGIN_API = "https://api.line.me"
AUTHORIZE = "https://access.line.me/oauth2/v2.1/authorize"
MAX_TOKEN = 8192  # an ID token or a code longer than this is not LINE's


def _base(settings: Settings) -> str:
    return (settings.line_login_api_base_url or LINE_LOGIN_API).rstrip("/")


async def _post(url: str, form: dict[str, str]) -> dict:
    """LINE's JSON answer to a form POST; {} for an error status, a failed connection or anything not an object
    (never a 500 here, never the token or the secret in a log)."""
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            r = await client.post(url, data=form)
        answer = r.json() if r.status_code == 200 else {}
    except (httpx.HTTPError, ValueError) as e:
        log.warning("LINE Login %s failed: %s", url.rsplit("/", 1)[-1], type(e).__name__)
        return {}
    return answer if isinstance(answer, dict) else {}


async def line_user_id(id_token: str, settings: Settings) -> str | None:
    """The LINE user an ID token names, as LINE Login's verify endpoint says (it checks the signature, the audience —
    our Login channel — and the expiry), or None."""
    if not id_token or len(id_token) > MAX_TOKEN or not settings.line_login_channel_id:
        return None
    claims = await _post(
        f"{_base(settings)}/oauth2/v2.1/verify", {"id_token": id_token, "client_id": settings.line_login_channel_id}
    )
    sub = claims.get("sub")
    if claims.get("aud") != settings.line_login_channel_id or not isinstance(sub, str) or not sub.startswith("U"):
        return None
    return sub


def web_sign_in(settings: Settings) -> bool:
    """Whether the web sign-in is set up: the Login channel's ID and secret, and an https address to come back to."""
    return bool(
        settings.line_login_channel_id
        and settings.line_login_channel_secret
        and settings.public_base_url.startswith("https://")
    )


def authorize_url(settings: Settings, state: str, back: str) -> str:
    """LINE's sign-in page, which sends the person back to ``back`` with a code and this ``state``."""
    query = {
        "response_type": "code",
        "client_id": settings.line_login_channel_id,
        "redirect_uri": back,
        "state": state,
        "scope": "openid",
    }
    return f"{AUTHORIZE}?{urlencode(query)}"


async def user_of_code(settings: Settings, code: str, back: str) -> str | None:
    """The LINE user a sign-in's code is for: exchanged (once: LINE refuses a code used before) for an ID token,
    which the verify endpoint then checks."""
    if not code or len(code) > MAX_TOKEN or not web_sign_in(settings):
        return None
    tokens = await _post(
        f"{_base(settings)}/oauth2/v2.1/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": back,
            "client_id": settings.line_login_channel_id,
            "client_secret": settings.line_login_channel_secret,
        },
    )
    id_token = tokens.get("id_token")
    return await line_user_id(id_token, settings) if isinstance(id_token, str) else None
