"""A Bot API that answers 401 or 404: the token appears in no output and no file — not in tracebacks, not
in the JSON log's error field, not on the CLI's stderr, not in tidtam-errors.log, not in uvicorn's lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from support.paths import ROOT
from support.postgres import free_port

pytestmark = pytest.mark.slow  # the whole module: each case runs the CLI in a process of its own

TOKEN = "123456:AAHsecretTOKENpartNeverLogged_x9"
TAIL = TOKEN.split(":", 1)[1]


class RefusingBotApi(ThreadingHTTPServer):
    """Answers ``code`` to everything — after ``ok_first`` successful getMe calls."""

    def __init__(self, code: int, ok_first: int):
        self.code, self.ok_left = code, ok_first
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        server: RefusingBotApi = self.server  # type: ignore[assignment]
        if self.path.endswith("/getMe") and server.ok_left > 0:
            server.ok_left -= 1
            status, body = (
                200,
                {"ok": True, "result": {"id": 123456, "is_bot": True, "first_name": "T", "username": "TidtamTestBot"}},
            )
        else:
            status = server.code
            body = {"ok": False, "error_code": status, "description": "Unauthorized" if status == 401 else "Not Found"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(params=[401, 404])
def refusing_api(request):
    servers = []

    def start(ok_first: int = 0) -> str:
        server = RefusingBotApi(request.param, ok_first)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for s in servers:
        s.shutdown()


def everything_written(tmp: Path, outputs: list[str]) -> str:
    texts = list(outputs)
    for path in tmp.rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(texts)


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize(
    "command, ok_first",
    [
        (["run"], 0),  # long polling: refused at the start check
        (["run"], 1),  # the start check passes, then PTB's own initialize is refused
        (["run", "--webhook"], 1),  # the web app: uvicorn's lifespan fails with a traceback
        (["scheduler"], 1),
    ],
)
def test_the_token_is_in_no_output_and_no_file(refusing_api, tmp_path, log_format, command, ok_first):
    base = refusing_api(ok_first)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_", "DATABASE_URL"))}
    env.update(
        {
            "DATA_DIR": str(tmp_path / "data"),
            "PYTHONPATH": str(ROOT),
            "LOG_FORMAT": log_format,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": base,
            "WEB_PORT": str(free_port()),
        }
    )
    if command[-1] == "--webhook":
        command = ["run"]
        env.update(
            {
                "TELEGRAM_WEBHOOK_URL": "https://tidtam.example.go.th/telegram/webhook",
                "TELEGRAM_WEBHOOK_SECRET": "a-webhook-secret-123",
            }
        )
    done = subprocess.run(
        [sys.executable, "-m", "bot", *command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=90
    )
    written = everything_written(tmp_path, [done.stdout, done.stderr])
    assert done.returncode != 0 or "startup failed" in written, written[-2000:]
    assert "***" in written or "TELEGRAM_BOT_TOKEN" in written, written[-2000:]  # the refusal was reported
    assert TOKEN not in written and TAIL not in written and "a-webhook-secret-123" not in written
    if log_format == "json" and command == ["run"] and "TELEGRAM_WEBHOOK_URL" in env:
        uvicorn_lines = [
            json.loads(line) for line in done.stderr.splitlines() if line.startswith("{") and '"uvicorn' in line
        ]
        assert uvicorn_lines, done.stderr[-2000:]  # uvicorn's own lines are JSON like the rest


def test_a_base_url_ending_in_bot_is_refused_in_thai(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_", "DATABASE_URL"))}
    env.update(
        {
            "DATA_DIR": str(tmp_path / "data"),
            "PYTHONPATH": str(ROOT),
            "TIDTAM_LANG": "th",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("ข้อผิดพลาด: TELEGRAM_API_BASE_URL") and "/bot" in done.stderr


def test_data_files_are_private(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_", "DATABASE_URL"))}
    env.update({"DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)})
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "init",
            "--org",
            "ทดสอบ",
            "--kind",
            "เทศบาลตำบล",
            "--province",
            "ขอนแก่น",
            "--district",
            "เมือง",
            "--fiscal-year",
            "2569",
        ],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    data = tmp_path / "data"
    assert data.stat().st_mode & 0o077 == 0
    for path in data.rglob("*"):
        assert path.stat().st_mode & 0o077 == 0, path
