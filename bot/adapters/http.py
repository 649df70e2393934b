"""The one way the adapters call a platform's HTTP API: a pooled aiohttp session, JSON written once."""

from __future__ import annotations

import json
from typing import Any

import aiohttp


def pooled_session(timeout: aiohttp.ClientTimeout, headers: dict[str, str] | None = None) -> aiohttp.ClientSession:
    """Made inside the running loop (on the first call); bodies are asked for uncompressed."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=64, ttl_dns_cache=300),
        timeout=timeout,
        headers=headers or {},
        skip_auto_headers=("Accept-Encoding",),
        auto_decompress=False,
    )


def json_body(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class SharedSession:
    """One pooled session for many clients, made on first use inside the running loop: a deployment's LINE
    channels share their connections to LINE."""

    def __init__(self, timeout: aiohttp.ClientTimeout, headers: dict[str, str] | None = None):
        self.timeout, self.headers = timeout, headers
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = pooled_session(self.timeout, self.headers)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
