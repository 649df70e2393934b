"""The benches' fake platforms speak just enough keep-alive HTTP/1.1 to be cheap: the app is what is measured."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

Handler = Callable[[str, dict[str, str], bytes], tuple[int, Any]]  # path, headers, body → status, JSON


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handle: Handler) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _s, v in (ln.partition(":") for ln in lines[1:] if ln)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            status, out = handle(path, headers, body)
            data = json.dumps(out).encode()
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode()
                + data
            )
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        pass  # the client went away, or the run is over
    finally:
        writer.close()


def params(headers: dict[str, str], body: bytes) -> dict:
    """A Bot API call's parameters: JSON, or a form (python-telegram-bot sends forms)."""
    if headers.get("content-type", "").startswith("application/json"):
        return json.loads(body or b"{}")
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}
